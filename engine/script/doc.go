// Package script holds the text helpers the flow engine and its expression
// functions apply to what citizens type: digits of every Indian script, menu
// numbers, amounts, dates, the writing system of a message, loose matching
// of answers against labels, checks for Indian identity numbers and mobile
// numbers, redaction of personal data, and grievance docket references.
//
// # Why a package of its own
//
// A citizen answering a menu on WhatsApp may type "2", "२", "২", "୨", "௨" or
// "2." and mean the same thing; a date may come as "21/11/26", "२१-११-२०२६"
// or "21 नवंबर 2026"; an amount as "₹1,25,000" or "Rs. 125000/-". The engine
// runs these helpers on every message, so they are written to be fast and to
// allocate nothing on the common paths: a function that has nothing to change
// returns its input string itself, and checks such as [ParseInt], [Detect],
// [EqualFold], [IsPIN] or [IsAadhaar] never allocate. Benchmarks in this
// package report the allocations; keep them at zero when you change it.
//
// # Digits
//
// Unicode gives each Indic script its own ten digits. Most Indian keyboards
// type ASCII digits, but Hindi, Bengali, Odia, Tamil and Urdu keyboards also
// offer the native ones, and citizens use them. [DigitValue] and
// [ASCIIDigits] know the digits of Devanagari, Bengali, Gurmukhi, Gujarati,
// Odia, Tamil, Telugu, Kannada, Malayalam, Arabic-Indic, Extended
// Arabic-Indic (Urdu) and the fullwidth forms some phones insert. Every
// other function here accepts digits in any of these systems.
//
// # Matching
//
// [Fold] turns a string into the form used to compare what a citizen typed
// with a button label or a keyword: lower case, ASCII digits, no spaces,
// punctuation, symbols or emoji, and Unicode NFC so that the same letter
// typed by two keyboards compares equal. [EqualFold] compares two strings
// that way without building either.
//
// # Personal data
//
// [Redact] masks Aadhaar numbers, PAN numbers, mobile numbers and e-mail
// addresses in free text before it is logged or sent to a language model;
// [MaskPhone] masks a phone number held in a log field. The identity checks
// ([IsAadhaar], [IsPAN], [IsMobile], [NormalizeMobile], [IsPIN]) validate an
// answer before a flow stores it.
//
// Nothing in this package panics, whatever the input, and nothing in it
// reads the clock: functions that need "today" take it as an argument.
package script
