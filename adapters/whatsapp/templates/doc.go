// Package templates is the registry of a deployment's approved WhatsApp
// message templates: the only messages Meta delivers to a citizen outside
// the 24-hour customer service window.
//
// Templates are declared in YAML files with a top-level templates: key
// (flows/templates/*.yaml). A template has a name, a category (UTILITY,
// MARKETING or AUTHENTICATION), its parameters in the order of the body's
// {{1}}, {{2}}..., each with a name and a type, its buttons, and one
// translation per language code, each with the header, body, footer and
// button labels exactly as Meta approved them:
//
//	templates:
//	  grievance_status_update:
//	    category: UTILITY
//	    parameters:
//	      - {name: reference, type: reference}
//	      - {name: status, type: text, max: 40}
//	    buttons:
//	      - {type: url, url: "https://example.gov.in/track/{{1}}", parameter: reference}
//	    en:
//	      header: Grievance update
//	      body: "Your grievance {{1}} is now: {{2}}."
//	      footer: Government of Example
//	      buttons: [Track online]
//
// Load reads every file and reports every problem at once, each at its
// line and column, including what Meta's review refuses: a placeholder
// that is malformed, out of order or missing, one at the very start or end
// of the body, two with no text between them, and text over Meta's limits.
//
// Registry.Check fills a template for one language with named values. It
// checks each value against its type (text, number, currency, date,
// reference) and Meta's limits, formats numbers, amounts and dates in the
// language's conventions, and returns the whatsapp.OutgoingMessage ready to
// address and send together with a plain-text preview for the history and
// the agents' screens. A value that does not fit is a *ParamError naming
// the parameter and the reason.
package templates
