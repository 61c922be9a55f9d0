package server_test

// The simulator page, driven in a real browser: headless Chromium through
// the Chrome DevTools Protocol (chromedp), against a full server started in
// process. The citizen's taps and typing go through the page, the signed
// webhook, the inbox, the engine, the outbox, the renderer and the Graph API
// client to the in-process fake Graph API, and the test reads what the page
// shows, as a person would.
//
// Without a Chromium binary the test is skipped, unless CI=true, where it
// fails (see internal/browsertest, which drives the page).

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/samvad/samvad/engine/script"
	"github.com/samvad/samvad/internal/browsertest"
	"github.com/samvad/samvad/internal/servertest"
)

func TestBrowserSimulator(t *testing.T) {
	chromium := browsertest.FindChromium(t)
	base, stop := servertest.Start(t)
	defer stop()
	browser := browsertest.Start(t, chromium)

	t.Run("grievance", func(t *testing.T) {
		p := browsertest.Open(t, browser, base)
		p.Say("hi")
		if left := browsertest.Eval[string](p, `document.getElementById('text').value`); left != "" {
			p.Fail("the composer still holds %q after Enter sent the message", left)
		}
		p.AnswerLanguageIfAsked("English")
		p.WaitBot("Namaste! This is the City Citizen Services desk.")
		rows := p.OpenList()
		for _, want := range []string{"Lodge a complaint", "Check a complaint", "Find my ward office", "Helplines", "Talk to an officer", "Change language"} {
			if !slices.Contains(rows, want) {
				p.Fail("the main menu's list has rows %q, want %q among them", rows, want)
			}
		}
		p.PickRow("Lodge a complaint")
		p.WaitBot("What is the complaint about?")
		p.OpenList()
		p.PickRow("Roads & footpaths")
		p.WaitBot("Roads & footpaths: what is the problem?")
		p.Tap("Pothole")
		p.WaitBot("Please describe the problem in a few words.")
		p.Say("big pothole near bus stop, two scooters fell")
		p.WaitBot("Where is it? Send the 6-digit PIN code, or share your location.")
		p.Say("400051")
		p.WaitBot("You can send a photo of the problem now")
		p.Tap("Skip")
		confirm := p.WaitBot("Please check:")
		for _, want := range []string{"Roads & footpaths – Pothole", "big pothole near bus stop, two scooters fell", "PIN 400051"} {
			if !strings.Contains(confirm, want) {
				p.Fail("the confirmation %q does not mention %q", confirm, want)
			}
		}
		p.Tap("Submit")
		done := p.WaitBot("Your complaint is registered. Its number is:")
		// The number stands on a line of its own, so that it is copied alone.
		m := regexp.MustCompile(`(?m)^(GRV-\S+)$`).FindStringSubmatch(done)
		if m == nil || !script.ValidReference(m[1]) {
			p.Fail("the reference in %q is not a valid docket reference on its own line", done)
		}
		reference := m[1]
		// The citizen's side shows what was tapped and typed, all sent.
		mine := browsertest.Eval[string](p, `[...document.querySelectorAll('#chat .msg.me')].map(e => e.textContent).join('|')`)
		for _, want := range []string{"hi", "Lodge a complaint", "Roads & footpaths", "Pothole", "400051", "Skip", "Submit"} {
			if !strings.Contains(mine, want) {
				p.Fail("the citizen's bubbles %s do not show %q", mine, want)
			}
		}
		if n := browsertest.Eval[int](p, `document.querySelectorAll('#chat .msg.me .status.bad').length`); n != 0 {
			p.Fail("%d of the citizen's messages were not sent", n)
		}
		// "To check its status, send the number at any time."
		p.Say(reference)
		p.WaitBot("Complaint " + reference + "\nIt is registered and waiting for the ward office.")
		p.NoAlert()
		p.KeepScreenshot("grievance")
	})

	t.Run("location_and_language", func(t *testing.T) {
		p := browsertest.Open(t, browser, base)
		before := p.Text("#subtitle")
		p.Click(`#new-citizen`)
		if after := p.Text("#subtitle"); after == before {
			p.Fail("the subtitle still reads %q after New citizen", after)
		}
		if n := browsertest.Eval[int](p, `document.querySelectorAll('#chat .msg').length`); n != 0 {
			p.Fail("the chat still shows %d messages after New citizen", n)
		}
		p.Say("hi")
		p.AnswerLanguageIfAsked("English")
		p.WaitBot("Namaste! This is the City Citizen Services desk.")
		p.OpenList()
		p.PickRow("Lodge a complaint")
		p.WaitBot("What is the complaint about?")
		p.OpenList()
		p.PickRow("Water supply")
		p.WaitBot("Water supply: what is the problem?")
		p.OpenList()
		p.PickRow("No water supply")
		p.WaitBot("Please describe the problem in a few words.")
		p.Say("no water in the taps for two days")
		p.WaitBot("Where is it?")
		p.Click(`(//div[contains(@class,"bot")]//button[contains(@class,"location-request")])[last()]`)
		p.WaitVisible(`#places[open]`)
		p.Click(`//dialog[@id="places"]//button[@data-place="Bandra West"]`)
		p.WaitBot("You can send a photo of the problem now")
		if place := browsertest.Eval[string](p, `[...document.querySelectorAll('#chat .msg.me .place')].map(e => e.textContent).join('|')`); !strings.Contains(place, "Bandra West") {
			p.Fail("the shared location shows as %q, want Bandra West", place)
		}
		// A photo with a caption, from the composer.
		p.TypeOnly("the broken pipe")
		p.Click(`#photo`)
		confirm := p.WaitBot("Please check:")
		for _, want := range []string{"Water supply – No water supply", "The location you shared", "1 photo"} {
			if !strings.Contains(confirm, want) {
				p.Fail("the confirmation %q does not mention %q", confirm, want)
			}
		}
		// The language picker sends "language" and taps हिन्दी when asked.
		browsertest.Eval[chromedp.Void](p, `(() => { const s = document.getElementById('language'); s.value = 'hi'; s.dispatchEvent(new Event('change')); })()`)
		p.WaitBot("ठीक है। अब मैं हिन्दी में जवाब दूँगा।")
		p.WaitBot("नमस्ते! यह नगर नागरिक सेवा डेस्क है।")
		if rows := p.OpenList(); !slices.Contains(rows, "शिकायत दर्ज करें") {
			p.Fail("the Hindi menu has rows %q, want शिकायत दर्ज करें", rows)
		}
		p.NoAlert()
		p.KeepScreenshot("location_and_language")
	})
}

// TestBrowserSimulatorPage checks the page itself: text is drawn with
// WhatsApp's formatting and never as HTML (the citizen's bubbles and the
// bot's go through the same formatter, so the citizen's own message shows
// it), and a message the server refuses is shown as not sent, with the
// server's reason, and can be sent again.
func TestBrowserSimulatorPage(t *testing.T) {
	chromium := browsertest.FindChromium(t)
	base, stop := servertest.Start(t)
	defer stop()
	p := browsertest.Open(t, browsertest.Start(t, chromium), base)
	p.Say("*bold* _slanted_ ~gone~ ```a*b*c``` <b>tag</b> snake_case_name see https://example.org/a_b.")
	p.WaitVisible(`#chat .msg.me .status`)
	got := browsertest.Eval[map[string]any](p, `(() => {
		const b = [...document.querySelectorAll('#chat .msg.me .text')].pop();
		const a = b.querySelector('a');
		return {
			strong: [...b.querySelectorAll('strong')].map(e => e.textContent).join('|'),
			em: [...b.querySelectorAll('em')].map(e => e.textContent).join('|'),
			s: [...b.querySelectorAll('s')].map(e => e.textContent).join('|'),
			mono: [...b.querySelectorAll('code')].map(e => e.textContent).join('|'),
			html: b.querySelectorAll('b').length,
			text: b.textContent,
			href: a ? a.getAttribute('href') : '',
			rel: a ? a.getAttribute('rel') : '',
		};
	})()`)
	want := map[string]any{"strong": "bold", "em": "slanted", "s": "gone", "mono": "a*b*c", "html": float64(0),
		"href": "https://example.org/a_b", "rel": "noopener noreferrer"}
	for k, v := range want {
		if got[k] != v {
			p.Fail("formatting: %s is %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if text, _ := got["text"].(string); !strings.Contains(text, "<b>tag</b>") || !strings.Contains(text, "snake_case_name") {
		p.Fail("the bubble reads %q: markup must show as typed, underscores inside words as they are", text)
	}

	// The server refuses the next message (as when its store is down).
	browsertest.Eval[chromedp.Void](p, `(() => {
		window.realFetch = window.fetch;
		window.fetch = (url, init) => String(url).endsWith('/api/send')
			? Promise.resolve(new Response('{"error":"the webhook answered 503: store unavailable"}', {status: 502, headers: {'Content-Type': 'application/json'}}))
			: window.realFetch(url, init);
	})()`)
	p.Say("hello")
	p.WaitVisible(`#alert:not([hidden])`)
	if shown := p.Text("#alert-text"); !strings.Contains(shown, "not sent") || !strings.Contains(shown, "store unavailable") {
		p.Fail("the alert reads %q, want the message marked not sent with the server's reason", shown)
	}
	p.WaitVisible(`#chat .msg.me .status.bad`)
	browsertest.Eval[chromedp.Void](p, `window.fetch = window.realFetch`)
	p.Click(`(//button[contains(@class,"retry")])[last()]`)
	p.Run(chromedp.Poll[chromedp.Void](`document.querySelectorAll('#chat .msg.me .status.bad').length === 0 &&
		[...document.querySelectorAll('#chat .msg.me')].pop().textContent.includes('hello')`, chromedp.WithPollingTimeout(browsertest.StepTimeout)))
	p.Run(chromedp.WaitNotVisible(`#alert`))
	p.WaitBot("") // the bot answers the message sent again
}
