package server_test

// The simulator page, driven in a real browser: headless Chromium through
// the Chrome DevTools Protocol (chromedp), against a full server started in
// process. The citizen's taps and typing go through the page, the signed
// webhook, the inbox, the engine, the outbox, the renderer and the Graph API
// client to the in-process fake Graph API, and the test reads what the page
// shows, as a person would.
//
// Without a Chromium binary the test is skipped, unless CI=true, where it
// fails. SAMVAD_CHROMIUM names the binary; SAMVAD_BROWSER_SCREENSHOTS names a
// directory to keep screenshots in (by default they go to t.TempDir(), taken
// on failure only).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samvad/samvad/engine/script"
	"github.com/samvad/samvad/internal/servertest"
)

// stepTimeout bounds each wait for the bot or for an element.
const stepTimeout = 20 * time.Second

func TestBrowserSimulator(t *testing.T) {
	chromium := findChromium(t)
	base, stop := servertest.Start(t)
	defer stop()
	browser := startBrowser(t, chromium)

	t.Run("grievance", func(t *testing.T) {
		p := openSimulator(t, browser, base)
		p.say("hi")
		if left := eval[string](p, `document.getElementById('text').value`); left != "" {
			p.fail("the composer still holds %q after Enter sent the message", left)
		}
		p.answerLanguageIfAsked("English")
		p.waitBot("Namaste! This is the City Citizen Services desk.")
		rows := p.openList()
		for _, want := range []string{"Lodge a complaint", "Check a complaint", "Find my ward office", "Helplines", "Talk to an officer", "Change language"} {
			if !contains(rows, want) {
				p.fail("the main menu's list has rows %q, want %q among them", rows, want)
			}
		}
		p.pickRow("Lodge a complaint")
		p.waitBot("What is the complaint about?")
		p.openList()
		p.pickRow("Roads & footpaths")
		p.waitBot("Roads & footpaths: what is the problem?")
		p.tap("Pothole")
		p.waitBot("Please describe the problem in a few words.")
		p.say("big pothole near bus stop, two scooters fell")
		p.waitBot("Where is it? Send the 6-digit PIN code, or share your location.")
		p.say("400051")
		p.waitBot("You can send a photo of the problem now")
		p.tap("Skip")
		confirm := p.waitBot("Please check:")
		for _, want := range []string{"Roads & footpaths – Pothole", "big pothole near bus stop, two scooters fell", "PIN 400051"} {
			if !strings.Contains(confirm, want) {
				p.fail("the confirmation %q does not mention %q", confirm, want)
			}
		}
		p.tap("Submit")
		done := p.waitBot("Your complaint is registered. Its number is:")
		// The number stands on a line of its own, so that it is copied alone.
		m := regexp.MustCompile(`(?m)^(GRV-\S+)$`).FindStringSubmatch(done)
		if m == nil || !script.ValidReference(m[1]) {
			p.fail("the reference in %q is not a valid docket reference on its own line", done)
		}
		reference := m[1]
		// The citizen's side shows what was tapped and typed, all sent.
		mine := eval[string](p, `[...document.querySelectorAll('#chat .msg.me')].map(e => e.textContent).join('|')`)
		for _, want := range []string{"hi", "Lodge a complaint", "Roads & footpaths", "Pothole", "400051", "Skip", "Submit"} {
			if !strings.Contains(mine, want) {
				p.fail("the citizen's bubbles %s do not show %q", mine, want)
			}
		}
		if n := eval[int](p, `document.querySelectorAll('#chat .msg.me .status.bad').length`); n != 0 {
			p.fail("%d of the citizen's messages were not sent", n)
		}
		// "To check its status, send the number at any time."
		p.say(reference)
		p.waitBot("Complaint " + reference + "\nIt is registered and waiting for the ward office.")
		p.noAlert()
		p.keepScreenshot("grievance")
	})

	t.Run("location_and_language", func(t *testing.T) {
		p := openSimulator(t, browser, base)
		before := p.text("#subtitle")
		p.click(`#new-citizen`)
		if after := p.text("#subtitle"); after == before {
			p.fail("the subtitle still reads %q after New citizen", after)
		}
		if n := eval[int](p, `document.querySelectorAll('#chat .msg').length`); n != 0 {
			p.fail("the chat still shows %d messages after New citizen", n)
		}
		p.say("hi")
		p.answerLanguageIfAsked("English")
		p.waitBot("Namaste! This is the City Citizen Services desk.")
		p.openList()
		p.pickRow("Lodge a complaint")
		p.waitBot("What is the complaint about?")
		p.openList()
		p.pickRow("Water supply")
		p.waitBot("Water supply: what is the problem?")
		p.openList()
		p.pickRow("No water supply")
		p.waitBot("Please describe the problem in a few words.")
		p.say("no water in the taps for two days")
		p.waitBot("Where is it?")
		p.click(`(//div[contains(@class,"bot")]//button[contains(@class,"location-request")])[last()]`)
		p.waitVisible(`#places[open]`)
		p.click(`//dialog[@id="places"]//button[@data-place="Bandra West"]`)
		p.waitBot("You can send a photo of the problem now")
		if place := eval[string](p, `[...document.querySelectorAll('#chat .msg.me .place')].map(e => e.textContent).join('|')`); !strings.Contains(place, "Bandra West") {
			p.fail("the shared location shows as %q, want Bandra West", place)
		}
		// A photo with a caption, from the composer.
		p.typeOnly("the broken pipe")
		p.click(`#photo`)
		confirm := p.waitBot("Please check:")
		for _, want := range []string{"Water supply – No water supply", "The location you shared", "1 photo"} {
			if !strings.Contains(confirm, want) {
				p.fail("the confirmation %q does not mention %q", confirm, want)
			}
		}
		// The language picker sends "language" and taps हिन्दी when asked.
		eval[chromedp.Void](p, `(() => { const s = document.getElementById('language'); s.value = 'hi'; s.dispatchEvent(new Event('change')); })()`)
		p.waitBot("ठीक है। अब मैं हिन्दी में जवाब दूँगा।")
		p.waitBot("नमस्ते! यह नगर नागरिक सेवा डेस्क है।")
		if rows := p.openList(); !contains(rows, "शिकायत दर्ज करें") {
			p.fail("the Hindi menu has rows %q, want शिकायत दर्ज करें", rows)
		}
		p.noAlert()
		p.keepScreenshot("location_and_language")
	})
}

// TestBrowserSimulatorPage checks the page itself: text is drawn with
// WhatsApp's formatting and never as HTML (the citizen's bubbles and the
// bot's go through the same formatter, so the citizen's own message shows
// it), and a message the server refuses is shown as not sent, with the
// server's reason, and can be sent again.
func TestBrowserSimulatorPage(t *testing.T) {
	chromium := findChromium(t)
	base, stop := servertest.Start(t)
	defer stop()
	p := openSimulator(t, startBrowser(t, chromium), base)
	p.say("*bold* _slanted_ ~gone~ ```a*b*c``` <b>tag</b> snake_case_name see https://example.org/a_b.")
	p.waitVisible(`#chat .msg.me .status`)
	got := eval[map[string]any](p, `(() => {
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
			p.fail("formatting: %s is %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if text, _ := got["text"].(string); !strings.Contains(text, "<b>tag</b>") || !strings.Contains(text, "snake_case_name") {
		p.fail("the bubble reads %q: markup must show as typed, underscores inside words as they are", text)
	}

	// The server refuses the next message (as when its store is down).
	eval[chromedp.Void](p, `(() => {
		window.realFetch = window.fetch;
		window.fetch = (url, init) => String(url).endsWith('/api/send')
			? Promise.resolve(new Response('{"error":"the webhook answered 503: store unavailable"}', {status: 502, headers: {'Content-Type': 'application/json'}}))
			: window.realFetch(url, init);
	})()`)
	p.say("hello")
	p.waitVisible(`#alert:not([hidden])`)
	if shown := p.text("#alert-text"); !strings.Contains(shown, "not sent") || !strings.Contains(shown, "store unavailable") {
		p.fail("the alert reads %q, want the message marked not sent with the server's reason", shown)
	}
	p.waitVisible(`#chat .msg.me .status.bad`)
	eval[chromedp.Void](p, `window.fetch = window.realFetch`)
	p.click(`(//button[contains(@class,"retry")])[last()]`)
	p.run(chromedp.Poll[chromedp.Void](`document.querySelectorAll('#chat .msg.me .status.bad').length === 0 &&
		[...document.querySelectorAll('#chat .msg.me')].pop().textContent.includes('hello')`, chromedp.WithPollingTimeout(stepTimeout)))
	p.run(chromedp.WaitNotVisible(`#alert`))
	p.waitBot("") // the bot answers the message sent again
}

// findChromium returns the browser binary, or skips (fails under CI=true).
func findChromium(t *testing.T) string {
	t.Helper()
	if named := os.Getenv("SAMVAD_CHROMIUM"); named != "" {
		path, err := exec.LookPath(named)
		if err != nil {
			t.Fatalf("SAMVAD_CHROMIUM=%s: %v", named, err)
		}
		return path
	}
	for _, c := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(c); err == nil {
			return path
		}
	}
	msg := "no Chromium found (looked for $SAMVAD_CHROMIUM, chromium, chromium-browser, google-chrome); install it with `apt-get install chromium` to run the simulator's browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts one headless Chromium for the test, with a fresh
// profile and nothing that reaches the network on its own.
func startBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium refuses to start as root with its sandbox.
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as the context
	// it ran on: no timeout here.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium at %s: %v", path, err)
	}
	return ctx
}

// page is one tab on the simulator.
type page struct {
	t   *testing.T
	ctx context.Context
	// seen is how many bot messages were on screen before the citizen's last
	// action: waits look at the newer ones only.
	seen int
}

func openSimulator(t *testing.T, browser context.Context, base string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &page{t: t, ctx: ctx}
	// The first action opens the tab, which lives as long as the context it
	// ran on: no timeout here.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	p.run(chromedp.Navigate(base + "/simulator"))
	p.waitVisible(`body[data-ready="true"] #text:enabled`)
	return p
}

// run runs actions within the step timeout, failing the test on error.
func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail("%v", err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.fail("evaluating %s: %v", js, err)
	}
	return v
}

func (p *page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
	if err != nil {
		p.fail("reading %s: %v", sel, err)
	}
	return s
}

func (p *page) waitVisible(sel string) {
	p.t.Helper()
	p.run(chromedp.WaitVisible(sel))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.mark()
	p.run(chromedp.WaitVisible(sel), chromedp.Click(sel))
}

// mark remembers how many bot messages are on screen.
func (p *page) mark() {
	p.t.Helper()
	p.seen = eval[int](p, `document.querySelectorAll('#chat .msg.bot').length`)
}

// say types text into the composer and presses Enter.
func (p *page) say(text string) {
	p.t.Helper()
	p.mark()
	p.run(chromedp.WaitVisible(`#text`), chromedp.SendKeys(`#text`, text+"\r"))
}

// typeOnly types text into the composer without sending it.
func (p *page) typeOnly(text string) {
	p.t.Helper()
	p.run(chromedp.SendKeys(`#text`, text))
}

// tap taps the reply button with the given title under the bot's last
// message that has one.
func (p *page) tap(title string) {
	p.t.Helper()
	p.click(fmt.Sprintf(`(//div[contains(@class,"bot")]//button[contains(@class,"reply") and normalize-space(.)=%s])[last()]`, xpathString(p, title)))
}

// openList opens the bot's last list and returns its rows' titles.
func (p *page) openList() []string {
	p.t.Helper()
	p.click(`(//div[contains(@class,"bot")]//button[contains(@class,"list-open")])[last()]`)
	p.waitVisible(`#sheet[open] button.row`)
	return eval[[]string](p, `[...document.querySelectorAll('#sheet .row-title')].map(e => e.textContent)`)
}

// pickRow taps the row with the given title in the open list.
func (p *page) pickRow(title string) {
	p.t.Helper()
	p.click(fmt.Sprintf(`//dialog[@id="sheet"]//button[contains(@class,"row")][.//span[@class="row-title" and normalize-space(.)=%s]]`, xpathString(p, title)))
}

// waitBot waits for a bot message newer than the citizen's last action that
// contains want, and returns its text.
func (p *page) waitBot(want string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	// The arguments are written into the expression: WithPollingArgs drops
	// zero values such as 0 and "".
	quoted, _ := json.Marshal(want)
	got, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`((seen, want) => {
		const bots = [...document.querySelectorAll('#chat .msg.bot')].slice(seen);
		const hit = bots.find(e => e.querySelector('.bubble').textContent.includes(want));
		return hit ? hit.querySelector('.bubble').innerText : '';
	})(%d, %s)`, p.seen, quoted), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		p.fail("waiting for the bot to say %q: %v", want, err)
	}
	return got
}

// answerLanguageIfAsked picks a language when the bot's reply to a new
// citizen is the language question rather than the menu.
func (p *page) answerLanguageIfAsked(language string) {
	p.t.Helper()
	reply := p.waitBot("") // the first reply, whatever it is
	if !strings.Contains(reply, "Choose your language") {
		return
	}
	p.openList()
	p.pickRow(language)
}

func (p *page) noAlert() {
	p.t.Helper()
	if shown := eval[string](p, `document.getElementById('alert').hidden ? '' : document.getElementById('alert-text').textContent`); shown != "" {
		p.fail("the page shows an error: %s", shown)
	}
}

// fail records a screenshot and the chat as text, then fails the test.
func (p *page) fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(screenshotDir(p.t), p.t.Name()+"-failure.png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil && os.WriteFile(path, png, 0o644) == nil {
			p.t.Logf("screenshot: %s", path)
		}
	}
	if chat, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chat').innerText`)); err == nil {
		p.t.Logf("the chat on screen:\n%s", chat)
	}
	p.t.Fatalf(format, args...)
}

// keepScreenshot saves a screenshot when SAMVAD_BROWSER_SCREENSHOTS is set.
func (p *page) keepScreenshot(name string) {
	dir := os.Getenv("SAMVAD_BROWSER_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Errorf("screenshot: %v", err)
		return
	}
	p.t.Logf("screenshot: %s", path)
}

func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("SAMVAD_BROWSER_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// xpathString quotes s as an XPath string literal.
func xpathString(p *page, s string) string {
	switch {
	case !strings.Contains(s, `"`):
		return `"` + s + `"`
	case !strings.Contains(s, `'`):
		return `'` + s + `'`
	}
	p.fail("cannot quote %q for XPath", s)
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
