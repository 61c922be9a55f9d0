// Package console serves Samvad's web console under /console: the pages
// service-centre agents and department officers sign in to, to see what
// the bot does and act on it (the dashboard, the flows, the integrations,
// the simulator, the inbox, the grievances and requests).
//
// Pages are drawn on the server with html/template (which escapes every
// citizen-written text) and its charts as SVG; the browser needs nothing
// from outside this binary, and runs one small script of ours
// (static/console.js) for live updates. The console's own text is in
// English and Hindi (locales/*.yaml, through go-i18n), chosen by a cookie
// the language selector sets, else by the browser's Accept-Language.
//
// Sign-in: a user's login and password are checked by Options.Users; a
// session is made whose random id goes to the browser in an HttpOnly,
// SameSite=Strict cookie (Secure behind TLS) while the store keeps only
// its hash. Every form carries a CSRF token tied to the session, checked
// on every POST; failed sign-ins are limited per address and per login.
// Every page is sent with a strict Content-Security-Policy. What a page
// does, it does as the signed-in principal (api.WithPrincipal), so the
// roles and the department scope are those of the staff API.
package console
