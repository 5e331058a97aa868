// The demo's server-rendered HTML: plain template strings, every user-supplied value escaped.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text made safe for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)

const layout = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/demo.css">
</head>
<body>
  <header class="top">
    <span class="brand">expression.socket.io</span>
    <span class="tagline">one Express session, shared by HTTP and Socket.IO</span>
  </header>
  <main>
${body}
  </main>
</body>
</html>
`

/** The page for a visitor without a session: a plain HTML form, posted over HTTP. /demo.js reloads it when another tab logs in. */
export const loginPage = (error?: string): string =>
  layout(
    'Log in · expression.socket.io demo',
    `    <section class="card" id="login">
      <h1>Log in</h1>
      <p class="lead">Logging in is a normal HTTP <code>POST /login</code>: express-session stores
        <code>session.user</code> and sets the cookie. The socket opened on the next page reads that very session.</p>
      ${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
      <form method="post" action="/login" class="login">
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="username" maxlength="40" required autofocus placeholder="Ada">
        <button type="submit" id="login-button">Log in</button>
      </form>
    </section>
    <script src="/demo.js"></script>`,
  )

export interface PanelView {
  readonly name: string
  readonly count: number
}

/** The logged-in page: the count as HTTP rendered it, and the live panel driven by /demo.js. */
export const panelPage = ({ name, count }: PanelView): string =>
  layout(
    `${name} · expression.socket.io demo`,
    `    <section class="card" id="app">
      <div class="heading">
        <h1>Hello, <span id="user-name">${escapeHtml(name)}</span></h1>
        <form method="post" action="/logout">
          <button type="submit" id="logout" class="secondary">Log out (HTTP)</button>
        </form>
      </div>

      <div class="stats">
        <div class="stat">
          <span class="label">Count rendered by HTTP</span>
          <span class="value" id="http-count">${count}</span>
          <span class="hint">read by <code>GET /</code> when this page loaded</span>
        </div>
        <div class="stat live">
          <span class="label">Count over the socket</span>
          <span class="value" id="socket-count">…</span>
          <span class="hint">fresh from the store on every event</span>
        </div>
      </div>

      <div id="panel" class="panel" data-state="connecting" aria-live="polite">
        <span class="dot" aria-hidden="true"></span>
        <span id="status">Connecting the socket…</span>
      </div>

      <div class="actions">
        <button type="button" id="inc" disabled>+1 over the socket</button>
        <button type="button" id="whoami" class="secondary" disabled>whoami</button>
      </div>

      <ol id="log" class="log" aria-label="Socket events"></ol>

      <details class="try" open>
        <summary>What to try</summary>
        <ul>
          <li>Press <b>+1</b> a few times, then reload: the server-rendered count is the one the socket saved.</li>
          <li>Open this page in a second tab and press <b>+1</b> here: the other tab sees the new count on its next event.</li>
          <li>Log out in one tab: the other turns to <i>Session ended</i> at once (the logout route calls <code>disconnectSession</code>).</li>
          <li>Then log in again in either tab: the other one's socket reconnects with the new session.</li>
        </ul>
      </details>
    </section>
    <script src="/socket.io/socket.io.js"></script>
    <script src="/demo.js"></script>`,
  )
