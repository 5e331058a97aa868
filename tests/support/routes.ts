import type { Express } from 'express'

/**
 * The test app's session routes, shared by the in-process server and the cluster's child nodes:
 * `POST /login?user=`, `GET /session` (the data as JSON, or null), `POST /session` (merge the JSON
 * body), `POST /logout` (destroy, then `onLogout(sid)`).
 */
export const addSessionRoutes = (app: Express, onLogout: (sid: string) => void): void => {
  app.post('/login', (req, res) => {
    req.session.user = { name: String(req.query['user'] ?? 'ada') }
    req.session.save(() => res.json({ ok: true }))
  })
  app.get('/session', (req, res) => {
    if (req.session.user === undefined) return void res.json(null)
    const { cookie: _cookie, ...data } = req.session
    res.json(data)
  })
  app.post('/session', (req, res) => {
    const body: unknown = req.body
    if (typeof body === 'object' && body !== null) Object.assign(req.session, body)
    req.session.save(() => res.json({ ok: true }))
  })
  app.post('/logout', (req, res) => {
    const sid = req.sessionID
    req.session.destroy(() => {
      onLogout(sid)
      res.json({ ok: true })
    })
  })
}
