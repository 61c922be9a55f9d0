// Package api serves Samvad's staff API under /api/v1: the agent inbox,
// grievances and service requests, templates, reports and access control.
// Everything here is for people who sign in; citizens reach Samvad only
// through the webhook.
//
// Every request carries an API key (Authorization: Bearer <key>) that
// names a Principal: who acts, with which Role, for which department. A
// handler sees only its department's integrations (integrationsOf), so
// another department's conversation, grievance or request answers 404 as
// if it did not exist; a missing or wrong key answers 401, and a role
// below the route's 403.
//
// Each part of the API registers its routes in its own file, from a
// mountX method that Mount calls. A handler decodes its body with
// a.decode (strict JSON: unknown fields and trailing data are refused),
// answers with writeJSON or writeError (400s name the field and the
// reason), pages with opaque cursors signed by the server (a.cursors), and
// records every change it makes with a.audit.
package api
