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
// # Docket references
//
// [FormatReference] writes the reference a citizen quotes when they follow
// up a grievance or an application, for instance "GRV-26-4821-7305-A":
//
//	GRV        the prefix: one to six letters naming the service
//	26         the last two digits of the year it was opened
//	4821-7305  the serial: eight digits, 100 million a prefix and year
//	A          a check character
//
// The serial is digits only, read out in two groups of four, so a "0" or
// "1" cannot be taken for a letter. The check character comes from an
// alphabet of 23 that survives being read aloud over a phone and copied by
// hand. Where a digit and a letter can be taken for each other, both go
// when both are ambiguous (0 and O, 1 and I, 2 and Z, 5 and S, and L with
// 1 and I) and the letter goes when only the letter is (B for 8, G for 6,
// Q for O, U for V). What is left is the digits 3 4 6 7 8 9 and the
// letters A C D E F H J K M N P R T V W X Y.
//
// The check character is the one whose value makes Σ i·vᵢ a multiple of
// 23, summed over every character including itself, where vᵢ is the value
// of the i-th character: a digit's value, a prefix letter's place in the
// Latin alphabet (A=0 … Z=25), and for the check character a value of its
// own (a digit its value, each letter one of the other residues). Because
// 23 is prime and a reference has fewer than 23 characters, a reference
// with one digit or the check character changed, or with two neighbouring
// characters swapped, does not check: [ValidReference] rejects it and the
// bot can ask again instead of looking up someone else's docket. Changes
// to the prefix are caught too, except between letters 23 apart (A and X,
// B and Y, C and Z); a service should reject a prefix that is not its own
// anyway.
//
// References of the older, shorter form ("GRV-26-4821-6K": four digits, a
// random character of the alphabet, and a check character computed the
// same way over the random character's place in the alphabet) are still
// read, since citizens hold them. [NormalizeReference] also drops what a
// reference is often copied with: a full stop, a danda, a comma, quotes.
//
// Nothing in this package panics, whatever the input, and nothing in it
// reads the clock: functions that need "today" take it as an argument.
package script
