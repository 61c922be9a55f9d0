// Package knowledge is the offline half of the fallback: each department's
// questions and answers and the example sentences that lead into flows,
// kept in YAML beside the flows, and a ranked search over them that works
// with no language model at all.
//
// # The files
//
// A knowledge file (flows/knowledge/*.yaml) holds one department's entries and intents:
//
//	department: municipal
//	entries:
//	  - id: grievance.how_long            # unique across all files
//	    flow: grievance_status            # optional: the flow this answer leads to
//	    tags: [deadline, days]            # optional: more search words, any language
//	    questions:                        # how citizens ask, per language
//	      en: ["How long does a complaint take?", "When will my complaint be solved?"]
//	      hi: ["शिकायत कितने दिन में हल होगी?"]
//	      hi-Latn: ["shikayat kitne din me hal hogi"]
//	    answer:                           # the reply, per language; en is required
//	      en: "The ward office acts within the days your registration message gave. …"
//	      hi: "…"
//	intents:
//	  - flow: grievance_status            # a flow id
//	    args:                             # optional: values taken from the message
//	      reference: reference            # a docket reference (GRV-26-4821-7305-A)
//	    examples:                         # what citizens say when they want this flow
//	      en: ["what happened to my complaint", "status of GRV-26-1676-J9"]
//	      hi-Latn: ["meri shikayat ka kya hua"]
//
// Languages are the codes of the locale files (en, hi, bn, or, mr, ta …);
// "hi-Latn" is Hindi written in Latin letters, as many citizens type it.
// An argument's kind is "reference" (a docket reference such as
// GRV-26-4821-7305-A, or one of the older, shorter form GRV-26-4821-6K,
// normalised with its check character verified), "pin" (a six-digit PIN code), or a
// regular expression written "re:…" whose first group (or whole match) is
// the value. A file with a problem is reported with file:line:col, every
// problem at once.
//
// # The search
//
// [Index] ranks with Okapi BM25 over the terms of package textnorm. Every
// entry and every intent becomes one document per language (its question
// variants, or its examples, and the entry's tags); an entry's answer does
// not count, so a long answer does not pull in questions it merely
// mentions. A target (an entry or a flow) scores the best of its
// languages, and that language is the one a query matched.
//
// A BM25 score has no scale of its own, so [Index.Answer] divides it by
// the most the query's terms could score (each term's weight at one
// occurrence in a document of average length, counting terms no document
// has at the weight of the rarest term). The result, the confidence, is
// comparable across queries: near 1 when every meaningful word of the
// message is in a question of the target, near 0 when none is. An answer
// or a route is given when the confidence passes the threshold of its kind
// and the best target leads the next by the margin; otherwise the result
// is "none", and the caller offers the menu.
//
// Why BM25 by hand: the index is a few thousand short documents held in
// memory and rebuilt when the flows reload; search engines such as bleve
// bring storage, analysers and query languages we would not use, and
// their per-query cost is far over the budget of tens of microseconds
// this package keeps (see BenchmarkAnswer).
package knowledge
