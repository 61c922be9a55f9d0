package server_test

// The console in a real browser (headless Chromium, see internal/browsertest)
// against a complete server: an officer signs in with the login make run
// prints, sees the dashboard drawn from a conversation the simulator just
// had, answers a citizen who asked for an officer (the reply reaches the
// citizen's simulator through the fake Graph API) and hands them back to
// the bot, moves the citizen's grievance (the citizen is told, with the
// officer's remark), and reads the console in Hindi. What the citizen
// wrote with markup shows as text, in the inbox and on the case's page.

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samvad/samvad/internal/browsertest"
	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/server"
)

// markup is a citizen's text that would run script if it reached the page
// as HTML.
const markup = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`

func TestBrowserConsole(t *testing.T) {
	chromium := browsertest.FindChromium(t)
	srv, base := startConsoleServer(t)
	acc, ok, err := srv.SimulatorAccess(context.Background())
	if err != nil || !ok || acc.Password == "" {
		t.Fatalf("no console login for the simulator: %+v %v %v", acc, ok, err)
	}
	browser := browsertest.Start(t, chromium)

	// A citizen lodges a grievance whose description holds markup.
	citizen := browsertest.Open(t, browser, base)
	citizen.Say("hi")
	citizen.AnswerLanguageIfAsked("English")
	citizen.WaitBot("Namaste!")
	ref := lodgeGrievance(citizen, "pothole at the school gate "+markup)

	// The officer signs in: / leads to the sign-in page.
	con := browsertest.OpenURL(t, browser, base+"/")
	con.WaitVisible(`#login`)
	con.Run(chromedp.SendKeys(`#login`, acc.Login), chromedp.SendKeys(`#password`, acc.Password), chromedp.Click(`#signin`))
	con.WaitVisible(`#messages svg`)

	// The dashboard counts the conversation's messages and the grievance.
	legend := con.Text(`#messages .legend`)
	if m := regexp.MustCompile(`(\d+) messages`).FindStringSubmatch(legend); m == nil || m[1] == "0" {
		con.Fail("the dashboard counts no messages: %q", legend)
	}
	if pts := browsertest.Eval[string](con, `document.querySelector('#messages polyline.line-in').getAttribute('points')`); pts == "" {
		con.Fail("the messages line has no points")
	}
	con.KeepScreenshot("console_dashboard")
	if statuses := con.Text(`#by-status`); !strings.Contains(statuses, "1") {
		con.Fail("the grievances by status show %q", statuses)
	}

	// The citizen asks for an officer, who answers from the inbox.
	citizen.Say(markup)
	citizen.WaitBot("")
	citizen.Click(`#photo`)
	citizen.WaitBot("")
	citizen.Say("officer")
	citizen.WaitBot("I am passing your message to an officer")
	con.Run(chromedp.Navigate(base + "/console/inbox?status=handed_over"))
	con.Click(`#conversations li a`)
	con.WaitVisible(`#history .msg`)
	if !browsertest.Eval[bool](con, `[...document.querySelectorAll('#history .bubble')].some(b => b.textContent.includes('<script>window.pwned=1</script>'))`) {
		con.Fail("the citizen's markup is not shown as text in the conversation")
	}
	if browsertest.Eval[bool](con, `window.pwned !== undefined || document.querySelector('#history .bubble img, #history .bubble script') !== null`) {
		con.Fail("the citizen's markup became part of the page")
	}
	con.KeepScreenshot("console_conversation")
	// The reply box offers the approved templates.
	if n := browsertest.Eval[int](con, `document.querySelectorAll('#template option').length`); n == 0 {
		con.Fail("the reply box offers no approved template")
	}
	// The photo the citizen sent shows in the history, served by the console.
	con.Run(chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#history img.attachment')].some(i => i.complete && i.naturalWidth > 0)`,
		chromedp.WithPollingTimeout(browsertest.StepTimeout)))
	citizen.MarkSeen()
	con.Run(chromedp.SendKeys(`#reply-text`, "Hello, this is the ward office. We are looking into it."), chromedp.Click(`#send-reply`))
	con.WaitVisible(`#done`)
	citizen.WaitBot("Hello, this is the ward office. We are looking into it.")
	con.Click(`#handback`)
	con.WaitVisible(`//p[@id="done" and contains(., "The bot has the conversation again.")]`)

	// The grievance: its description shows as text, and it moves; the
	// citizen is told.
	con.Run(chromedp.Navigate(base + "/console/cases"))
	con.Click(`//table[@id="case-list"]//a[normalize-space(.)="` + ref + `"]`)
	con.WaitVisible(`#move-form`)
	if !browsertest.Eval[bool](con, `[...document.querySelectorAll('dd.text')].some(e => e.textContent.includes('<script>window.pwned=1</script>'))`) {
		con.Fail("the citizen's markup is not shown as text on the case's page")
	}
	if browsertest.Eval[bool](con, `window.pwned !== undefined || document.querySelector('main dd img, main dd script') !== null`) {
		con.Fail("the citizen's markup became part of the page")
	}
	before := con.Text(`#case-status`)
	citizen.MarkSeen()
	con.Run(chromedp.SendKeys(`#move-remark`, "The road crew is on its way."), chromedp.Click(`#move`))
	con.WaitVisible(`#done`)
	if after := con.Text(`#case-status`); after == before {
		con.Fail("the case's status is still %q after the move", after)
	}
	if said := con.Text(`#notified`); !strings.Contains(said, "being told") {
		con.Fail("after the move the page says %q of telling the citizen", said)
	}
	if told := citizen.WaitBot(ref); !strings.Contains(told, "The road crew is on its way.") {
		citizen.Fail("the citizen was told %q, without the officer's remark", told)
	}

	// The simulator's number answers a connection test; the flows are listed.
	con.Run(chromedp.Navigate(base + "/console/integrations"))
	con.Click(`#integration-simulator a`)
	con.Click(`#test-connection`)
	con.WaitVisible(`#test-result`)
	if said := con.Text(`#test-result`); !strings.Contains(said, "The Graph API answered: 15550000000") {
		con.Fail("the connection test says %q", said)
	}
	con.Run(chromedp.Navigate(base + "/console/flows"))
	con.WaitVisible(`#flow-grievance`)

	// The console in Hindi, from the selector in the header.
	con.Click(`header a[lang="hi"]`)
	con.WaitVisible(`html[lang="hi"]`)
	if nav := con.Text(`header nav`); !strings.Contains(nav, "इनबॉक्स") || !strings.Contains(nav, "डैशबोर्ड") {
		con.Fail("the menu in Hindi reads %q", nav)
	}
	con.KeepScreenshot("console_hindi")
}

// startConsoleServer starts a complete server and returns it with its URL.
func startConsoleServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	srv := servertest.New(t, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv, srv.URL()
}

// lodgeGrievance lodges a pothole complaint from the main menu and returns
// its reference.
func lodgeGrievance(citizen *browsertest.Page, description string) string {
	citizen.OpenList()
	citizen.PickRow("Lodge a complaint")
	citizen.WaitBot("What is the complaint about?")
	citizen.OpenList()
	citizen.PickRow("Roads & footpaths")
	citizen.WaitBot("what is the problem?")
	citizen.Tap("Pothole")
	citizen.WaitBot("Please describe the problem")
	citizen.Say(description)
	citizen.WaitBot("Where is it?")
	citizen.Say("400051")
	citizen.WaitBot("You can send a photo")
	citizen.Tap("Skip")
	citizen.WaitBot("Please check:")
	citizen.Tap("Submit")
	done := citizen.WaitBot("Your complaint is registered.")
	m := regexp.MustCompile(`(?m)^(GRV-\S+)$`).FindStringSubmatch(done)
	if m == nil {
		citizen.Fail("no reference in %q", done)
	}
	return m[1]
}
