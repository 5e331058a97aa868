// The demo's browser script: plain JavaScript, no build step. On the logged-in page it drives the
// live panel; `io` comes from /socket.io/socket.io.js, which the Socket.IO server serves. The session
// cookie (httpOnly) rides along with the handshake: this script never sees it.
//
// Tabs of one browser share the session cookie, so they tell each other about logins over a
// BroadcastChannel: a logout needs no message (the server's disconnectSession reaches every tab's
// socket), but after a login the other tabs' sockets must reconnect, because a socket's session is
// the one its handshake cookie named.
;(function () {
  'use strict'
  var $ = function (id) { return document.getElementById(id) }
  var tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('expression.socket.io-demo') : null
  var panel = $('panel')

  // The login page: when another tab logs in, this browser has a session again: show it.
  if (panel === null) {
    if (tabs) tabs.onmessage = function (message) { if (message.data === 'logged-in') location.reload() }
    return
  }

  var status = $('status')
  var userName = $('user-name')
  var socketCount = $('socket-count')
  var log = $('log')
  var buttons = [$('inc'), $('whoami')]
  var ended = false

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
  function sessionEnded(code, message) {
    ended = true
    enable(false)
    show('lost', 'Session ended (' + code + '): it was logged out over HTTP, here or in another tab. ' +
      'Log in again in any tab and this one reconnects.')
    status.title = message
  }

  var socket = io()

  function ask(event) {
    if (ended) return
    note('→', event)
    socket.timeout(5000).emit(event, function (err, answer) {
      if (err) return note('!', event + ': no answer (' + err.message + ')')
      if (answer && answer.error) {
        note('←', event + ': error ' + answer.error.code)
        if (answer.error.code === 'SessionNotFound') sessionEnded(answer.error.code, answer.error.message)
        else show('error', event + ' failed: ' + answer.error.code + ' (' + answer.error.message + ')')
        return
      }
      userName.textContent = answer.name // after a login elsewhere, the session may be someone else's
      socketCount.textContent = String(answer.count)
      note('←', event + ': ' + answer.name + ', count ' + answer.count)
      show('connected', 'Connected as ' + answer.name + ': every event reads the session from the store.')
    })
  }

  socket.on('connect', function () {
    ended = false
    note('·', 'socket connected')
    enable(true)
    ask('whoami')
  })
  // Refused handshake: `authorize` puts the tag in err.message and { code, message } in err.data.
  socket.on('connect_error', function (err) {
    enable(false)
    if (err.message === 'SessionNotFound' || err.message === 'SessionCookieMissing') {
      sessionEnded(err.message, (err.data && err.data.message) || 'no session')
      socket.disconnect()
    } else {
      show('error', 'Socket refused: ' + err.message)
    }
  })
  // Sent by disconnectSession() (the demo's logout route) just before the server disconnects us.
  socket.on('session_lost', function (error) {
    note('←', 'session_lost: ' + error.code)
    sessionEnded(error.code, error.message)
  })
  socket.on('disconnect', function (reason) {
    enable(false)
    note('·', 'socket disconnected (' + reason + ')')
    if (!ended) show('error', 'Disconnected (' + reason + ')' + (reason === 'io server disconnect' ? '.' : ': reconnecting…'))
  })

  if (tabs) {
    // Another tab logged in: this browser's cookie now names a new session. A new handshake
    // carries it; a socket that is still connected keeps the session it was opened with.
    tabs.onmessage = function (message) {
      if (message.data !== 'logged-in' || !ended) return
      note('·', 'logged in in another tab: reconnecting')
      socket.disconnect().connect()
    }
    // This page is only rendered for a live session: tell tabs whose session ended.
    tabs.postMessage('logged-in')
  }

  $('inc').addEventListener('click', function () { ask('inc') })
  $('whoami').addEventListener('click', function () { ask('whoami') })
})()
