// Package pipeline is the application core of a running Samvad: what happens
// to a citizen's message between the webhook that stored it and the reply
// the Graph API accepted. It has no HTTP routes; package server receives the
// webhooks, wires this package to the store and the integrations, and serves
// the pages.
//
// One Pipeline serves every integration of a process:
//
//   - Workers (the one worker loop, Pipeline.Start) claim a citizen with
//     pending messages from the store and step them (Pipeline.Step, the
//     store.Handler): decode each message's inbox envelope, run the engine,
//     render the replies for WhatsApp and frame them for the outbox. The
//     store writes the outcome in one transaction.
//   - A step's first reply is sent by the worker at once when it is the
//     citizen's next message to leave; senders claim the rest. Each send is
//     paced per business number and per citizen, and its wamid or classified
//     Graph error is recorded.
//   - The engine's service calls (Pipeline.Services) run inside the step;
//     a slow one makes the citizen see the typing indicator and, after a
//     few seconds, a "please wait" note.
//
// # Stored formats
//
// Everything the pipeline stores for later is framed with a version, so
// that rows written by one release are read by the next: the inbox envelope
// (EncodeInput, DecodeInput), whose input kinds are stored as text, and
// the outbox frame (EncodeReply, DecodeReply). frame.go holds both, and the
// one policy: a new format gets a new version byte, and the decoder keeps
// reading every older version that rows in flight may still carry.
package pipeline
