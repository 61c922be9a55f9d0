// Package services connects flows to department systems. A flow's `call`
// node names an operation — `pension.status`, `offices.by_pin`,
// `grievance.lodge` — and this package runs it: an HTTP request to a
// department's API, a look-up in a data table, or one of Samvad's own
// built-in operations (grievances and service requests, kept in Samvad's
// store). Departments declare operations in YAML beside their flows; no Go
// code is written per department.
//
// # Declaring operations
//
// A declaration file (flows/services/*.yaml) says what an operation takes,
// how it is carried out and what its result holds:
//
//	connector: pensions          # the system; where it is comes from the deployment
//	operations:
//	  pension.status:
//	    method: GET
//	    path: /v1/pensions/{args.ppo}          # placeholders are escaped
//	    query: {lang: args.lang}
//	    args: {ppo: string, lang: optional string}
//	    timeout: 5s
//	    retries: 2                             # GET, HEAD, PUT, DELETE only
//	    result:                                # fields picked with expressions
//	      status: body.status
//	      amount: body.monthly_amount
//	    outcomes:                              # besides "ok", in order
//	      not_found: status == 404
//
// Values are expressions (expr, as in flows), compiled when the file
// loads: a request's over `args`, a response's over `status`, `body`,
// `headers` and `args`. The result a flow saves always has an `outcome`
// field: "ok", or the first declared outcome whose expression was true. A
// response that is not 2xx and matches no outcome, a timeout, a body that
// is not JSON or too large, or a mapping that fails is an error: the
// flow's `on_error` path runs and the event names the operation and why.
//
// Tables are CSV files declared beside them, looked up by a key, filtered
// by columns, or searched for the rows nearest a point (package table).
// Built-in operations (grievance.lodge, grievance.status, request.submit,
// request.status) are declared the same way, with `builtin:`.
//
// # Where a system is
//
// Declarations say nothing about addresses or secrets. The deployment
// (samvad.yaml, or SAMVAD_CONNECTORS_<NAME>_BASE_URL) gives each connector
// its base URL, and names the environment variable that holds its API key
// or token; the key is read from the environment at start and never
// written in a file, a log, an event or an error. Requests stay on the
// base URL's host: placeholders cannot add a path segment, and redirects
// to another host or outside the base path are refused. TLS certificates
// are verified (a deployment may add its own CA).
package services
