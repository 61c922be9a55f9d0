// Package llm answers what a flow's rules do not cover: a citizen who
// writes "meri shikayat ka kya hua", "I want to pay house tax" or a
// question about documents instead of choosing from the menu. It is the
// engine's Fallback port ([Fallback] implements engine.Fallback).
//
// # Two ways to answer
//
// Offline, always available: package knowledge ranks the department's
// questions and answers and the flows' example sentences (the files
// under flows/knowledge) with BM25, and answers, routes into a flow, or
// says it did not understand. No model, no network, tens of
// microseconds.
//
// With a model, when one is configured: the same retrieval picks the
// passages, and an OpenAI-compatible chat-completions endpoint (package
// openai: OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp) is asked to
// answer from them or to route with the route_to_flow tool. Servers
// without tool calling get the same question with a JSON reply format
// instead; in ToolsAuto mode the first 400 answer to a request with
// tools switches the Fallback to JSON mode for good. When the model
// fails (after the client's retries), times out, or its circuit breaker
// is open after repeated failures, the offline result is given instead.
//
// When the knowledge base is sure (confidence at or above
// Config.TrustOffline, 0.9 by default) of a route, or of an answer it has
// in the citizen's language, that decision stands and the model is not
// asked: "hi" or "I want to pay my property tax" needs no model, and the
// department's own words go out at once. On the held-out set this keeps 8
// of 353 questions from the model that the knowledge base routes into the
// right service where a specific answer was wanted ("my ration card is
// lost" → the ration flow); set TrustOffline over 1 to always ask.
//
// SetIndex swaps the knowledge base when the flows are reloaded; the
// model's circuit breaker and what was learnt of its server stay.
//
// # Guardrails
//
//   - Nothing personal leaves the process: the citizen's text is masked
//     with script.Redact (Aadhaar, PAN, mobile numbers, e-mail), and
//     every reference number in it becomes a placeholder ([REF1]) that
//     is put back only in what the model returns. The prompt and the
//     result are logged with the same masking (log/slog).
//   - The model is told to answer only from the passages, in the
//     citizen's language, briefly (Config.MaxChars, at most WhatsApp's
//     4096 characters). Its answer is then checked: over the length, in
//     another script than the language's, or stating an amount, number,
//     date (month) or reference that is neither in the passages, the
//     flow titles, nor the conversation (nor a national helpline), it is
//     replaced by "none", and the caller offers the menu. A lone digit
//     ("type 0") needs no source unless it is written as an amount.
//   - A route must lead to one of the offered flows; its arguments keep
//     only placeholders this question made, restored to the reference.
//
// # Review
//
// Every [Result] says what review storage needs: the kind, the text or
// route, the passages with their scores, the model's name (or
// "offline"), why the model was not used or was overruled, the latency
// and the token usage. [Fallback.Answer] hands all of it but the token
// count to the engine, which checks the reply again and records it with
// the conversation (engine.FallbackRecord, in the detail of the
// fallback_used, fallback_missed and fallback_failed events).
//
// # Measured
//
// Offline retrieval over the shipped knowledge base (84 entries, 10
// intents), top-1 accuracy of the decision (answer id, route or none) on
// the held-out set adapters/llm/testdata/heldout.yaml, written before
// tuning and measured once after it (thresholds were tuned on dev.yaml
// only): English 33/51 (64.7%), Hindi 36/51 (70.6%), romanised Hindi
// 36/51 (70.6%), Bengali 45/50 (90.0%), Odia 39/50 (78.0%), Marathi
// 37/50 (74.0%), Tamil 42/50 (84.0%); 268/353 (75.9%) in all. Most
// misses route to a service where a specific answer was wanted ("ration
// card misplaced" → the ration flow instead of the lost-card answer), or
// fall under the thresholds for complaints described with words no
// example has. `go test ./adapters/llm/knowledge -run TestHeldout -v`
// lists every miss. Speed: BenchmarkAnswer, 1,000 generated entries,
// -cpu 1: about 31,000 queries per second of CPU time (31,100/s of wall
// time on an idle 2-core machine; less when other work shares it).
package llm
