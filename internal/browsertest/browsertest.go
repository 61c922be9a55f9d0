// Package browsertest drives the simulator page (and the console's) in a
// real browser for tests: headless Chromium through the Chrome DevTools Protocol (chromedp).
// A test finds the browser (FindChromium), starts it once (Start), opens a
// tab on a running server's simulator (Open), and then acts as a citizen
// would: types and sends (Page.Say), taps reply buttons (Page.Tap), opens a
// list and picks a row (Page.OpenList, Page.PickRow), and waits for the
// bot's answers (Page.WaitBot), reading only what the page shows.
//
//	chromium := browsertest.FindChromium(t)
//	browser := browsertest.Start(t, chromium)
//	p := browsertest.Open(t, browser, baseURL)
//	p.Say("hi")
//	p.WaitBot("Namaste!")
//
// Without a Chromium binary FindChromium skips the test, unless CI=true,
// where it fails. SAMVAD_CHROMIUM names the binary; SAMVAD_BROWSER_SCREENSHOTS
// names a directory to keep screenshots in (by default they go to
// t.TempDir(), taken on failure only).
//
// It is for tests only and imports package testing; nothing in the samvad
// binary imports it.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// StepTimeout bounds each wait for the bot or for an element.
const StepTimeout = 20 * time.Second

// FindChromium returns the browser binary, or skips the test (fails it
// under CI=true, where a browser test must never be skipped).
func FindChromium(t testing.TB) string {
	t.Helper()
	if named := os.Getenv("SAMVAD_CHROMIUM"); named != "" {
		path, err := exec.LookPath(named)
		if err != nil {
			t.Fatalf("browsertest: SAMVAD_CHROMIUM=%s: %v", named, err)
		}
		return path
	}
	for _, c := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(c); err == nil {
			return path
		}
	}
	msg := "no Chromium found (looked for $SAMVAD_CHROMIUM, chromium, chromium-browser, google-chrome); install it with `apt-get install chromium` to run the simulator's browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start starts one headless Chromium for the test, with a fresh profile
// and nothing that reaches the network on its own. It stops with the test.
func Start(t testing.TB, path string) context.Context {
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
		t.Fatalf("browsertest: starting Chromium at %s: %v", path, err)
	}
	return ctx
}

// Page is one tab on the simulator.
type Page struct {
	t   testing.TB
	ctx context.Context
	// seen is how many bot messages were on screen before the citizen's last
	// action: waits look at the newer ones only.
	seen int
}

// Open opens a tab on the simulator of the server at base (its URL without
// a trailing slash) and waits until the page is ready to type in.
func Open(t testing.TB, browser context.Context, base string) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &Page{t: t, ctx: ctx}
	// The first action opens the tab, which lives as long as the context it
	// ran on: no timeout here.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	p.Run(chromedp.Navigate(base + "/simulator"))
	p.WaitVisible(`body[data-ready="true"] #text:enabled`)
	return p
}

// OpenURL opens a tab on any page of a running server (the console, say)
// and waits until its body is drawn.
func OpenURL(t testing.TB, browser context.Context, url string) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &Page{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	p.Run(chromedp.Navigate(url))
	p.WaitVisible(`body`)
	return p
}

// Run runs actions within the step timeout, failing the test on error.
func (p *Page) Run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.Fail("%v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and returns its value.
func Eval[T any](p *Page, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.Fail("evaluating %s: %v", js, err)
	}
	return v
}

// Text returns the text of the first element sel matches.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
	if err != nil {
		p.Fail("reading %s: %v", sel, err)
	}
	return s
}

// WaitVisible waits until sel matches a visible element.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	p.Run(chromedp.WaitVisible(sel))
}

// Click clicks sel once it is visible; the bot's answers to it are those
// that come after.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.mark()
	p.Run(chromedp.WaitVisible(sel), chromedp.Click(sel))
}

// MarkSeen remembers the bot messages on screen now: the next WaitBot
// looks only at newer ones (for replies that something other than this
// page caused, such as an officer's).
func (p *Page) MarkSeen() {
	p.t.Helper()
	p.mark()
}

// mark remembers how many bot messages are on screen.
func (p *Page) mark() {
	p.t.Helper()
	p.seen = Eval[int](p, `document.querySelectorAll('#chat .msg.bot').length`)
}

// Say types text into the composer and presses Enter.
func (p *Page) Say(text string) {
	p.t.Helper()
	p.mark()
	p.Run(chromedp.WaitVisible(`#text`), chromedp.SendKeys(`#text`, text+"\r"))
}

// TypeOnly types text into the composer without sending it.
func (p *Page) TypeOnly(text string) {
	p.t.Helper()
	p.Run(chromedp.SendKeys(`#text`, text))
}

// Tap taps the reply button with the given title under the bot's last
// message that has one.
func (p *Page) Tap(title string) {
	p.t.Helper()
	p.Click(fmt.Sprintf(`(//div[contains(@class,"bot")]//button[contains(@class,"reply") and normalize-space(.)=%s])[last()]`, p.xpathString(title)))
}

// OpenList opens the bot's last list and returns its rows' titles.
func (p *Page) OpenList() []string {
	p.t.Helper()
	p.Click(`(//div[contains(@class,"bot")]//button[contains(@class,"list-open")])[last()]`)
	p.WaitVisible(`#sheet[open] button.row`)
	return Eval[[]string](p, `[...document.querySelectorAll('#sheet .row-title')].map(e => e.textContent)`)
}

// PickRow taps the row with the given title in the open list.
func (p *Page) PickRow(title string) {
	p.t.Helper()
	p.Click(fmt.Sprintf(`//dialog[@id="sheet"]//button[contains(@class,"row")][.//span[@class="row-title" and normalize-space(.)=%s]]`, p.xpathString(title)))
}

// WaitBot waits for a bot message newer than the citizen's last action that
// contains want, and returns its text as shown.
func (p *Page) WaitBot(want string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	// The arguments are written into the expression: WithPollingArgs drops
	// zero values such as 0 and "".
	quoted, _ := json.Marshal(want)
	got, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`((seen, want) => {
		const bots = [...document.querySelectorAll('#chat .msg.bot')].slice(seen);
		const hit = bots.find(e => e.querySelector('.bubble').textContent.includes(want));
		return hit ? hit.querySelector('.bubble').innerText : '';
	})(%d, %s)`, p.seen, quoted), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(StepTimeout)))
	if err != nil {
		p.Fail("waiting for the bot to say %q: %v", want, err)
	}
	return got
}

// AnswerLanguageIfAsked picks a language when the bot's reply to a new
// citizen is the language question rather than the menu.
func (p *Page) AnswerLanguageIfAsked(language string) {
	p.t.Helper()
	reply := p.WaitBot("") // the first reply, whatever it is
	if !strings.Contains(reply, "Choose your language") {
		return
	}
	p.OpenList()
	p.PickRow(language)
}

// NoAlert fails the test if the page shows an error.
func (p *Page) NoAlert() {
	p.t.Helper()
	if shown := Eval[string](p, `document.getElementById('alert').hidden ? '' : document.getElementById('alert-text').textContent`); shown != "" {
		p.Fail("the page shows an error: %s", shown)
	}
}

// Fail records a screenshot and the chat as text, then fails the test.
func (p *Page) Fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		path := filepath.Join(screenshotDir(p.t), strings.ReplaceAll(p.t.Name(), "/", "_")+"-failure.png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil && os.WriteFile(path, png, 0o644) == nil {
			p.t.Logf("screenshot: %s", path)
		}
	}
	if chat, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('chat').innerText`)); err == nil {
		p.t.Logf("the chat on screen:\n%s", chat)
	}
	p.t.Fatalf(format, args...)
}

// KeepScreenshot saves a screenshot as name.png when
// SAMVAD_BROWSER_SCREENSHOTS is set.
func (p *Page) KeepScreenshot(name string) {
	dir := os.Getenv("SAMVAD_BROWSER_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Errorf("browsertest: screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Errorf("browsertest: screenshot: %v", err)
		return
	}
	p.t.Logf("screenshot: %s", path)
}

func screenshotDir(t testing.TB) string {
	if dir := os.Getenv("SAMVAD_BROWSER_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// xpathString quotes s as an XPath string literal.
func (p *Page) xpathString(s string) string {
	switch {
	case !strings.Contains(s, `"`):
		return `"` + s + `"`
	case !strings.Contains(s, `'`):
		return `'` + s + `'`
	}
	p.Fail("cannot quote %q for XPath", s)
	return ""
}
