// Package textnorm turns what a citizen types into search terms, the same
// way for the questions of the knowledge base and for the citizen's
// message, so that the two meet even when they were spelled differently.
//
// # Words
//
// A word is a run of letters, combining marks, digits (of any system
// [script.DigitValue] knows) and the zero-width joiners. This is Unicode's
// word-boundary rule (UAX #29) cut down to what citizens' messages need: a
// vowel sign, virama or nukta always stays with the letter before it, and
// spaces, punctuation, symbols and emoji separate words. A library such as
// uniseg implements all of UAX #29 (apostrophes inside English words, the
// full stops of "e.g."), but its grapheme state machine costs more than the
// one pass below, which also folds as it goes, and the cases it adds do not
// change which terms a query has once stop words and stemming are applied.
//
// # Indic words
//
// Each word goes through [script.Fold] (lower case, ASCII digits, no
// zero-width joiners or non-joiners, Unicode NFC), then:
//
//   - the nukta is dropped, whether typed as a letter of its own (क़ U+0958)
//     or as a mark (क + ़): citizens write ज़रूरी and जरूरी alike;
//   - candrabindu becomes anusvara (हाँ, हां), in Devanagari, Bengali and
//     Odia;
//   - in Devanagari, a nasal consonant with a virama before another
//     consonant becomes anusvara (हिन्दी, हिंदी; सम्पत्ति, संपत्ति);
//   - a light stemmer strips one inflection (a plural or case ending, then
//     a final vowel sign) from words long enough to keep a stem, for
//     Devanagari (Hindi, Marathi), Bengali, Odia and Tamil; a Tamil word's
//     final pulli goes too, so புகார் and புகாரை meet.
//
// # Latin words: English and romanised Hindi
//
// Latin-script messages are English, romanised Hindi ("meri shikayat ka kya
// hua") or both. A Latin word is lower-cased, dropped if it is a stop word
// of either, stemmed with the English Snowball stemmer
// (github.com/blevesearch/snowballstem), and then folded for the ways romanised
// Hindi is spelled: w→v, z→j, q→k, ph→f, an h after a consonant or at the
// end is dropped (shikayath, kh/k, bh/b), y reads as i,
// ee→i, oo→u, doubled letters collapse (aa→a), ai/ei→e, au/ou→o, and a
// final vowel goes from words of three letters or more (karna, karne,
// karni; hua, hui). English words go through the same fold; since both sides of a
// comparison do, "free" and "fri" simply become the same term.
//
// # Special terms
//
// Some things matter more by their shape than by their digits: a docket
// reference (GRV-26-4821-6K) becomes the term "#ref", a six-digit PIN code
// "#pin", any other number of five digits or more "#num". Numbers of up to
// four digits stay as they are (112, 1098). Masks left by redaction
// ("XXXX XXXX 1234") are dropped.
package textnorm
