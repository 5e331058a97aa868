// The live panel: plain browser JavaScript, no build step. `io` comes from /socket.io/socket.io.js,
// which the Socket.IO server serves. The session cookie (httpOnly) rides along with the handshake:
// this script never sees it.
;(function () {
  'use strict'
  var $ = function (id) { return document.getElementById(id) }
  var panel = $('panel')
  var status = $('status')
  var socketCount = $('socket-count')
  var log = $('log')
  var buttons = [$('inc'), $('whoami')]
  var lost = false

  function show(state, text) {
    panel.setAttribute('data-state', state)
    status.textContent = text
  }
  function enable(on) {
    buttons.forEach(function (b) { b.disabled = !on })
  }
  function note(direction, text) {
    var li = document.createElement('li')
    var dir = document.createElement('span')
    dir.className = 'dir ' + (direction === '→' ? 'out' : direction === '←' ? 'in' : 'sys')
    dir.textContent = direction
    var body = document.createElement('span')
    body.textContent = text // textContent, never innerHTML: names are user input
    li.appendChild(dir)
    li.appendChild(body)
    log.insertBefore(li, log.firstChild)
    while (log.children.length > 6) log.removeChild(log.lastChild)
  }
  function sessionLost(code, message) {
    lost = true
    enable(false)
    show('lost', 'Session lost: ' + code + '. The server no longer has this session: it was logged out over HTTP, ' +
      'here or in another tab. Reload the page to log in again.')
    status.title = message
  }

  var socket = io()

  function ask(event) {
    if (lost) return
    note('→', event)
    socket.timeout(5000).emit(event, function (err, answer) {
      if (err) return note('!', event + ': no answer (' + err.message + ')')
      if (answer && answer.error) {
        note('←', event + ': error ' + answer.error.code)
        if (answer.error.code === 'SessionNotFound') sessionLost(answer.error.code, answer.error.message)
        else show('error', event + ' failed: ' + answer.error.code + ' (' + answer.error.message + ')')
        return
      }
      socketCount.textContent = String(answer.count)
      note('←', event + ': ' + answer.name + ', count ' + answer.count)
      show('connected', 'Connected as ' + answer.name + ': every event reads the session from the store.')
    })
  }

  socket.on('connect', function () {
    note('·', 'socket connected')
    enable(true)
    ask('whoami')
  })
  // Refused handshake: `authorize` puts the tag in err.message and { code, message } in err.data.
  socket.on('connect_error', function (err) {
    enable(false)
    if (err.message === 'SessionNotFound' || err.message === 'SessionCookieMissing') {
      sessionLost(err.message, (err.data && err.data.message) || 'no session')
      socket.disconnect()
    } else {
      show('error', 'Socket refused: ' + err.message)
    }
  })
  // Sent by disconnectSession() or onSessionLost: 'disconnect' (not used by this demo's defaults).
  socket.on('session_lost', function (error) {
    sessionLost(error.code, error.message)
  })
  socket.on('disconnect', function (reason) {
    enable(false)
    note('·', 'socket disconnected (' + reason + ')')
    if (!lost) show('error', 'Disconnected (' + reason + ')' + (reason === 'io server disconnect' ? '.' : ': reconnecting…'))
  })

  $('inc').addEventListener('click', function () { ask('inc') })
  $('whoami').addEventListener('click', function () { ask('whoami') })
})()
