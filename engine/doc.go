// Package engine runs Samvad's conversations. It reads a department's flows
// (YAML) and the messages they show, checks them, compiles them into an
// immutable Library, and steps one citizen's Session through them, one
// message at a time. It opens no socket and no file while it runs: what it
// needs from outside (department services, an LLM fallback, the clock, old
// flow versions) it asks for through the interfaces in ports.go.
//
// The package has two halves, told apart by the names of their files, which
// meet only in the compiled model: the Flow (flow.go) and the Library that
// holds the flows (load_library.go).
//
//	reading flows, once per load or reload          running them, once per message
//	load_* → compile_* → lint_*  ──▶  Flow, Library  ──▶  engine.go → run_*
//
// Reading is a one-way chain: load finds the files and builds the library,
// compile turns each flow file into a Flow (reporting, with file:line:col,
// every problem it meets while reading: unknown keys and nodes, dead ends,
// expressions that do not type-check), and lint checks what compiled
// against the whole library (messages in every language, the graph of
// nodes). Every problem goes into one diag.List; a library with an error in
// it is never returned.
//
//	load_sources.go   ReadSources, LoadSources, LoadDir: find a project's YAML files
//	                  and sort them into flows, locale files and conversation tests
//	load_library.go   Load and the Library: compile every flow against the locale
//	                  catalog, index triggers, keep versions (AddVersion, Inherit)
//	compile_flow.go   one flow file into a Flow: top-level keys, vars, start,
//	                  triggers, the languages it offers; did-you-mean suggestions
//	compile_node.go   nodes and their targets: say (a list's lines, a computed
//	                  file), branch, set, call (and its on: outcomes), flow,
//	                  handoff, end, answer (a question for the fallback)
//	compile_ask.go    ask nodes: expected answers, choices (fixed, or from a list),
//	                  validate, retries, save
//	compile_expr.go   the typed environment expressions compile against, and
//	                  compiling one with its error's position in the file
//	compile_yaml.go   reading YAML mappings, values and durations with positions
//	compile_link.go   what needs every flow of the library: messages resolved per
//	                  language, sub-flow references, menu and choice tables
//	lint_text.go      checks of messages: keys missing in a language, placeholders
//	                  a flow cannot fill or that differ between languages, money
//	                  and date formats of a type they cannot format, choice
//	                  labels WhatsApp cannot show
//	lint_graph.go     checks of a flow's graph: nodes never reached, loops in which
//	                  the citizen is never asked anything
//	lint_operations.go checks of calls against the deployment's operations
//	                  (LoadOptions.Operations): names, arguments and their types,
//	                  the fields read from a saved result
//
// Running starts at the front, engine.go (Engine, Config, New, Reload,
// Step); a pooled run holds the working state of one Step:
//
//	run_step.go       one input: session expiry, the answer's language (the
//	                  citizen's, or the fallback of a flow that does not offer
//	                  it), global commands, starting or resuming a flow, events
//	run_nodes.go      running nodes until the flow waits: say, branch, set, call,
//	                  sub-flows and their return, handoff, end
//	run_answer.go     reading the answer to an ask (a choice by tap, number or
//	                  label; a date, PIN code, phone, location, photo), validation,
//	                  retries
//	run_fallback.go   what the rules do not cover: free text, unclear answers,
//	                  on_fail: fallback and answer: nodes go to the Fallback;
//	                  its reply is checked (language, length, offered flows,
//	                  typed arguments) and recorded (FallbackRecord)
//	run_list.go       choices made from a list at run time, a page at a time
//	run_output.go     rendering texts and questions in the citizen's language
//	run_command.go    global commands (menu, restart, stop, start, language) in
//	                  every language; their word table is built at load
//	run_language.go   an integration's language menu
//
// What both halves share, and what callers see:
//
//	flow.go           the compiled model: Flow, Node, Ask, Text, Target, read-only
//	                  once loaded and shared by every session pinned to it
//	io.go             Input, Output, Contact: what a step takes and gives, free of
//	                  any channel
//	session.go        Session, the state of a conversation between two inputs;
//	session_codec.go  its compact binary form (Encode, DecodeSession)
//	event.go          the events a step reports, and the record of a fallback's
//	                  reply (FallbackRecord) that fallback events carry
//	ports.go          Services, Fallback, Clock
//
// Sub-packages each do one job for both halves: diag (positional problems),
// script (text of every Indian script), guard (expr expressions with
// budgets), locale (messages, plural forms, formatting) and transcript
// (conversation tests).
package engine
