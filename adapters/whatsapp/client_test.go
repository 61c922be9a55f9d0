package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

const (
	testToken   = "EAAG-FICTIONAL-ACCESS-TOKEN-7f3a9c"
	testPhoneID = "200000000000002"
)

func startFake(t *testing.T, opts graphsim.Options) (*graphsim.Server, *Client) {
	t.Helper()
	opts.AccessToken = testToken
	opts.PhoneNumberID = testPhoneID
	fg := graphsim.New(opts)
	base, err := fg.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fg.Close() })
	return fg, &Client{BaseURL: base, APIVersion: "v23.0", PhoneNumberID: testPhoneID, AccessToken: testToken, Timeout: 3 * time.Second}
}

func withContext(m OutgoingMessage, replyTo, opaque string) OutgoingMessage {
	m.Context = &ReplyContext{MessageID: replyTo}
	m.BizOpaqueCallbackData = opaque
	return m
}

func TestSendEveryMessageType(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	buttons := ButtonsMessage("Confirm your slot?", NewReplyButton("yes", "Yes"), NewReplyButton("no", "No"))
	buttons.Interactive.Header = &InteractiveHeader{Type: "text", Text: "Vaccination"}
	buttons.Interactive.Footer = &InteractiveText{Text: "Health Department"}
	tmpl := TemplateMessage("appointment_reminder", "en_US",
		HeaderParam(TemplateParameter{Type: "image", Image: &MediaObject{ID: "1000000000000009"}}),
		BodyParams("Ana", "12 March"),
		QuickReplyButton(0, "APPT_CONFIRM"),
		URLButton(1, "ref-123"))
	named := TemplateMessage("office_hours", "hi", NamedBodyParams("office", "Downtown", "hours", "9-5"))
	tests := []struct {
		name string
		msg  OutgoingMessage
		to   string
		// want are key paths in the request body and their values.
		want map[string]any
	}{
		{"text", OutgoingMessage{Type: "text", Text: &Text{Body: "See https://example.org", PreviewURL: true}}, "15555550101",
			map[string]any{"to": "+15555550101", "type": "text", "text.body": "See https://example.org", "text.preview_url": true, "messaging_product": "whatsapp", "recipient_type": "individual"}},
		{"buttons", buttons, "+15555550101",
			map[string]any{"interactive.type": "button", "interactive.action.buttons.1.reply.id": "no", "interactive.header.text": "Vaccination", "interactive.footer.text": "Health Department"}},
		{"list", ListMessage("Pick an office", "Offices", ListRow{ID: "o1", Title: "Downtown", Description: "12 Main St"}, ListRow{ID: "o2", Title: "Uptown"}), "15555550101",
			map[string]any{"interactive.type": "list", "interactive.action.button": "Offices", "interactive.action.sections.0.rows.0.description": "12 Main St"}},
		{"location", LocationMessage(OutLocation{Latitude: 28.6139, Longitude: 77.209, Name: "Ration office", Address: "Sector 5"}), "15555550101",
			map[string]any{"location.latitude": "28.6139", "location.longitude": "77.209", "location.name": "Ration office"}},
		{"location request", LocationRequestMessage("Share your location to find the nearest office"), "15555550101",
			map[string]any{"interactive.type": "location_request_message", "interactive.action.name": "send_location"}},
		{"image link", MediaMessage("image", MediaObject{Link: "https://example.org/card.png", Caption: "Your card"}), "15555550101",
			map[string]any{"image.link": "https://example.org/card.png", "image.caption": "Your card"}},
		{"document id", MediaMessage("document", MediaObject{ID: "1000000000000004", Caption: "Receipt", Filename: "receipt.pdf"}), "15555550101",
			map[string]any{"document.id": "1000000000000004", "document.filename": "receipt.pdf"}},
		{"audio voice", MediaMessage("audio", MediaObject{ID: "1000000000000003", Voice: true}), "15555550101",
			map[string]any{"audio.id": "1000000000000003", "audio.voice": true}},
		{"video", MediaMessage("video", MediaObject{Link: "https://example.org/howto.mp4", Caption: "How to apply"}), "15555550101",
			map[string]any{"video.caption": "How to apply"}},
		{"sticker", MediaMessage("sticker", MediaObject{ID: "1000000000000005"}), "15555550101",
			map[string]any{"sticker.id": "1000000000000005"}},
		{"template", tmpl, "15555550101",
			map[string]any{"template.name": "appointment_reminder", "template.language.code": "en_US",
				"template.components.0.parameters.0.image.id": "1000000000000009", "template.components.1.parameters.1.text": "12 March",
				"template.components.2.sub_type": "quick_reply", "template.components.2.index": "0", "template.components.2.parameters.0.payload": "APPT_CONFIRM",
				"template.components.3.sub_type": "url", "template.components.3.index": "1"}},
		{"named template", named, "15555550101",
			map[string]any{"template.components.0.parameters.0.parameter_name": "office", "template.components.0.parameters.1.text": "9-5"}},
		{"reaction", ReactionMessage("wamid.HBgLMTU1NTU1NTAxMDEVAgASGBRGQUtFSU5URVhUMDAwMDAwMDAwMQA=", "👍"), "15555550101",
			map[string]any{"reaction.emoji": "👍"}},
		{"contextual reply", withContext(TextMessage("Yes, still valid"), "wamid.HBgLMTU1NTU1NTAxMDEVAgASGBRGQUtFSU5DVFhSRVBMWTAwMDAwMQA=", "case-2026-000123"), "15555550101",
			map[string]any{"context.message_id": "wamid.HBgLMTU1NTU1NTAxMDEVAgASGBRGQUtFSU5DVFhSRVBMWTAwMDAwMQA=", "biz_opaque_callback_data": "case-2026-000123"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.msg
			msg.To = tt.to
			wamid, err := c.Send(context.Background(), &msg)
			if err != nil {
				t.Fatal(err)
			}
			got := fg.Messages()
			if len(got) != i+1 {
				t.Fatalf("fake recorded %d messages", len(got))
			}
			rec := got[i]
			if rec.WAMID != wamid || !strings.HasPrefix(wamid, "wamid.") {
				t.Errorf("wamid %q, fake recorded %q", wamid, rec.WAMID)
			}
			if rec.To != "+15555550101" || rec.PhoneNumberID != testPhoneID || rec.Version != "v23.0" {
				t.Errorf("recorded to=%q phone=%q version=%q", rec.To, rec.PhoneNumberID, rec.Version)
			}
			for path, want := range tt.want {
				if v := lookup(t, rec.Body, path); v != want {
					t.Errorf("%s = %#v, want %#v", path, v, want)
				}
			}
		})
	}
}

// lookup walks a JSON document by a dotted path (array indexes as numbers).
func lookup(t *testing.T, body []byte, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestSendToBusinessScopedUserID(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	msg := TextMessage("hello")
	msg.Recipient = "US.1000000000000000001"
	if _, err := c.Send(context.Background(), &msg); err != nil {
		t.Fatal(err)
	}
	rec := fg.Messages()[0]
	if rec.Recipient != "US.1000000000000000001" || rec.To != "" {
		t.Errorf("recorded to=%q recipient=%q", rec.To, rec.Recipient)
	}
	// With both, "to" wins and the BSUID is not sent.
	msg.To = "15555550101"
	if _, err := c.Send(context.Background(), &msg); err != nil {
		t.Fatal(err)
	}
	if body := fg.Messages()[1].Body; bytes.Contains(body, []byte("US.1000")) {
		t.Errorf("recipient sent alongside to: %s", body)
	}
}

func TestSendRefusesInvalidMessagesBeforeAnyRequest(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	four := ButtonsMessage("pick", NewReplyButton("1", "a"), NewReplyButton("2", "b"), NewReplyButton("3", "c"), NewReplyButton("4", "d"))
	long := TextMessage(strings.Repeat("अ", MaxTextBody+1))
	noRecipient := TextMessage("hi")
	audioCaption := MediaMessage("audio", MediaObject{ID: "1", Caption: "no"})
	for name, m := range map[string]OutgoingMessage{"four buttons": four, "long text": long, "no recipient": noRecipient, "audio caption": audioCaption} {
		if name != "no recipient" {
			m.To = "15555550101"
		}
		_, err := c.Send(context.Background(), &m)
		var ie *InvalidMessageError
		if !errors.As(err, &ie) || Classify(err) != Permanent {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if n := fg.SendAttempts(); n != 0 {
		t.Errorf("%d requests reached the fake", n)
	}
}

func TestMarkRead(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	ctx := context.Background()
	if err := c.MarkRead(ctx, "wamid.A", false); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkRead(ctx, "wamid.B", true); err != nil {
		t.Fatal(err)
	}
	want := []graphsim.ReadMark{{PhoneNumberID: testPhoneID, MessageID: "wamid.A"}, {PhoneNumberID: testPhoneID, MessageID: "wamid.B", Typing: true}}
	if got := fg.Reads(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reads %+v, want %+v", got, want)
	}
	if len(fg.Messages()) != 0 {
		t.Error("mark-read recorded as a message")
	}
}

func TestSendErrorClassification(t *testing.T) {
	tests := []struct {
		name       string
		fault      graphsim.Fault
		status     int
		code       int
		class      ErrorClass
		retryAfter []time.Duration // for attempts 0, 1, 2
	}{
		{"server error 5xx", graphsim.Fault{Code: 131000}, 500, 131000, Retryable, nil},
		{"temporary 503", graphsim.Fault{Code: 2}, 503, 2, Retryable, nil},
		{"throughput 130429 with HTTP 400", graphsim.Fault{Code: 130429}, 400, 130429, Retryable, []time.Duration{time.Second, time.Second, time.Second}},
		{"pair rate 131056", graphsim.Fault{Code: 131056}, 400, 131056, Retryable, []time.Duration{time.Second, 4 * time.Second, 16 * time.Second}},
		{"maintenance 131057", graphsim.Fault{Code: 131057}, 500, 131057, Retryable, []time.Duration{time.Minute, time.Minute, time.Minute}},
		{"waba rate 80007", graphsim.Fault{Code: 80007}, 400, 80007, Retryable, nil},
		{"app rate 4 as 429", graphsim.Fault{Code: 4, HTTPStatus: 429}, 429, 4, Retryable, nil},
		{"unknown code as 429", graphsim.Fault{Code: 999, HTTPStatus: 429}, 429, 999, Retryable, nil},
		{"re-engagement 131047", graphsim.Fault{Code: 131047}, 400, 131047, Permanent, []time.Duration{0, 0, 0}},
		{"undeliverable 131026", graphsim.Fault{Code: 131026}, 400, 131026, Permanent, nil},
		{"bad parameter 100", graphsim.Fault{Code: 100}, 400, 100, Permanent, nil},
		{"token expired 190", graphsim.Fault{Code: 190}, 401, 190, Permanent, nil},
		{"template missing 132001", graphsim.Fault{Code: 132001}, 404, 132001, Permanent, nil},
		{"registration 131045 with 500", graphsim.Fault{Code: 131045}, 500, 131045, Permanent, nil},
		{"proxy HTML 502", graphsim.Fault{HTTPStatus: 502, RawBody: "<html>Bad Gateway</html>"}, 502, NoCode, Retryable, nil},
		{"auth 0 from a 500", graphsim.Fault{Code: 0, HTTPStatus: 500}, 500, 0, Retryable, nil},
		{"auth 0", graphsim.Fault{Code: 0, HTTPStatus: 401}, 401, 0, Permanent, nil},
	}
	fg, c := startFake(t, graphsim.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fg.FailNext(1, tt.fault)
			msg := TextMessage("hi")
			msg.To = "+15555550101"
			_, err := c.Send(context.Background(), &msg)
			var ge *GraphError
			if !errors.As(err, &ge) {
				t.Fatalf("error %v (%T) is not a GraphError", err, err)
			}
			if ge.HTTPStatus != tt.status || ge.Code != tt.code {
				t.Errorf("HTTP %d code %d, want %d %d", ge.HTTPStatus, ge.Code, tt.status, tt.code)
			}
			if got := Classify(err); got != tt.class {
				t.Errorf("class %v, want %v", got, tt.class)
			}
			if tt.code > 0 && ge.FBTraceID == "" {
				t.Error("fbtrace_id not decoded")
			}
			if ge.Meaning() == "" {
				t.Error("no meaning")
			}
			for attempt, want := range tt.retryAfter {
				if got := RetryAfter(err, attempt); got != want {
					t.Errorf("RetryAfter(%d) = %v, want %v", attempt, got, want)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("token in error: %v", err)
			}
			// The fake recovers: the next send works.
			if _, err := c.Send(context.Background(), &msg); err != nil {
				t.Errorf("send after fault: %v", err)
			}
		})
	}
}

func TestSendRetryAfterHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
		_, _ = w.Write([]byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"X"}}`))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, PhoneNumberID: testPhoneID, AccessToken: testToken}
	msg := TextMessage("hi")
	msg.To = "+15555550101"
	_, err := c.Send(context.Background(), &msg)
	if Classify(err) != Retryable || RetryAfter(err, 0) != 30*time.Second {
		t.Fatalf("class %v retry-after %v (%v)", Classify(err), RetryAfter(err, 0), err)
	}
}

func TestSendTimeoutIsRetryable(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	c.Timeout = 150 * time.Millisecond
	fg.FailNext(1, graphsim.Fault{Hang: true})
	msg := TextMessage("hi")
	msg.To = "+15555550101"
	start := time.Now()
	_, err := c.Send(context.Background(), &msg)
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout() || Classify(err) != Retryable {
		t.Fatalf("error %v (%T)", err, err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("timeout not honoured: %v", time.Since(start))
	}
	// A context deadline is honoured too.
	fg.FailNext(1, graphsim.Fault{Hang: true})
	c.Timeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, &msg); Classify(err) != Retryable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("context deadline: %v", err)
	}
	// Added latency below the deadline only slows the answer.
	fg.FailNext(1, graphsim.Fault{Latency: 50 * time.Millisecond})
	if _, err := c.Send(context.Background(), &msg); err != nil {
		t.Fatalf("latency fault: %v", err)
	}
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &Client{BaseURL: "http://" + addr, PhoneNumberID: testPhoneID, AccessToken: testToken, Timeout: time.Second}
	msg := TextMessage("hi")
	msg.To = "+15555550101"
	_, err = c.Send(context.Background(), &msg)
	var te *TransportError
	if !errors.As(err, &te) || Classify(err) != Retryable {
		t.Fatalf("error %v (%T)", err, err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatal("token in error")
	}
	if err := c.MarkRead(context.Background(), "wamid.X", false); Classify(err) != Retryable {
		t.Fatalf("mark read: %v", err)
	}
}

func TestWrongTokenIsPermanent190(t *testing.T) {
	_, c := startFake(t, graphsim.Options{})
	c.AccessToken = "EAAG-WRONG-token"
	msg := TextMessage("hi")
	msg.To = "+15555550101"
	_, err := c.Send(context.Background(), &msg)
	var ge *GraphError
	if !errors.As(err, &ge) || ge.Code != 190 || ge.HTTPStatus != 401 || Classify(err) != Permanent {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "EAAG-WRONG-token") {
		t.Fatal("token in error")
	}
}

// An upstream that echoes the request's Authorization header back in its
// error must not make the token show up in our errors.
func TestTokenScrubbedFromEchoedErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.WriteHeader(400)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"message": "(#100) bad header " + auth, "type": "OAuthException " + auth, "code": 100,
			"error_data": map[string]any{"details": "got " + auth}, "fbtrace_id": "T"}})
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, PhoneNumberID: testPhoneID, AccessToken: testToken}
	msg := TextMessage("hi")
	msg.To = "+15555550101"
	_, err := c.Send(context.Background(), &msg)
	var ge *GraphError
	if !errors.As(err, &ge) {
		t.Fatalf("error %v", err)
	}
	for _, s := range []string{err.Error(), ge.Message, ge.Details, ge.Type, fmt.Sprintf("%+v", ge)} {
		if strings.Contains(s, testToken) {
			t.Fatalf("token leaked: %s", s)
		}
	}
	if !strings.Contains(ge.Details, redacted) {
		t.Errorf("details %q", ge.Details)
	}
}

func TestClientNeverPrintsToken(t *testing.T) {
	c := Client{BaseURL: "http://127.0.0.1:1", APIVersion: "v23.0", PhoneNumberID: testPhoneID, AccessToken: testToken}
	outs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v", &c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%s", c), fmt.Sprintf("%d", c), fmt.Sprintf("%x", c), fmt.Sprintf("%q", &c),
		fmt.Sprintf("%v", struct{ C Client }{c}), fmt.Sprintf("%+v", []*Client{&c}), c.String(), c.GoString(),
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("client", "c", c, "p", &c)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("client", "c", c)
	outs = append(outs, logBuf.String())
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	for i, s := range outs {
		if strings.Contains(s, testToken) || strings.Contains(s, "7f3a9c") {
			t.Errorf("output %d shows the token: %s", i, s)
		}
	}
	if !strings.Contains(outs[0], redacted) || !strings.Contains(outs[0], testPhoneID) {
		t.Errorf("String() = %s", outs[0])
	}
}

func TestDownload(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	voice := []byte("OggS fake opus bytes")
	fg.AddMedia("1000000000000003", graphsim.MediaFile{MimeType: "audio/ogg; codecs=opus", Data: voice})
	ctx := context.Background()

	info, err := c.MediaInfo(ctx, "1000000000000003")
	if err != nil {
		t.Fatal(err)
	}
	if info.FileSize != int64(len(voice)) || info.MimeType != "audio/ogg; codecs=opus" || info.SHA256 == "" || info.ID != "1000000000000003" {
		t.Errorf("info %+v", info)
	}

	data, mime, err := c.Download(ctx, "1000000000000003", 1<<20)
	if err != nil || !bytes.Equal(data, voice) || mime != "audio/ogg; codecs=opus" {
		t.Fatalf("download: %q %q %v", data, mime, err)
	}

	// An expired URL (404) is looked up again once.
	before := fg.MediaLookups()
	fg.FailMediaDownloads(1)
	data, _, err = c.Download(ctx, "1000000000000003", 1<<20)
	if err != nil || !bytes.Equal(data, voice) {
		t.Fatalf("download after one 404: %v", err)
	}
	if n := fg.MediaLookups() - before; n != 2 {
		t.Errorf("%d lookups after a 404, want 2", n)
	}
	// Only once: two 404s in a row fail.
	before = fg.MediaLookups()
	fg.FailMediaDownloads(2)
	_, _, err = c.Download(ctx, "1000000000000003", 1<<20)
	var ge *GraphError
	if !errors.As(err, &ge) || ge.HTTPStatus != 404 {
		t.Fatalf("two 404s: %v", err)
	}
	if n := fg.MediaLookups() - before; n != 2 {
		t.Errorf("%d lookups after two 404s, want 2", n)
	}

	// Unknown media id: a Graph error, permanent.
	if _, _, err := c.Download(ctx, "999", 1<<20); Classify(err) != Permanent || !errors.As(err, &ge) || ge.Code != 100 {
		t.Errorf("unknown media: %v", err)
	}
}

func TestDownloadSizeLimits(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	big := bytes.Repeat([]byte("x"), 256<<10)
	fg.AddMedia("reported", graphsim.MediaFile{MimeType: "application/pdf", Data: big})
	fg.AddMedia("unreported", graphsim.MediaFile{MimeType: "application/pdf", Data: big, FileSize: -1})
	fg.AddMedia("chunked", graphsim.MediaFile{MimeType: "application/pdf", Data: big, FileSize: -1, Chunked: true})
	fg.AddMedia("lying", graphsim.MediaFile{MimeType: "application/pdf", Data: big, FileSize: 10, Chunked: true})
	ctx := context.Background()

	fetches := fg.MediaDownloads()
	if _, _, err := c.Download(ctx, "reported", 1024); !errors.Is(err, ErrMediaTooLarge) {
		t.Fatalf("reported size: %v", err)
	}
	if fg.MediaDownloads() != fetches {
		t.Error("file fetched although its reported size was over the limit")
	}
	for _, id := range []string{"unreported", "chunked", "lying"} {
		if _, _, err := c.Download(ctx, id, 1024); !errors.Is(err, ErrMediaTooLarge) || Classify(err) != Permanent {
			t.Errorf("%s: %v", id, err)
		}
	}
	data, _, err := c.Download(ctx, "chunked", int64(len(big)))
	if err != nil || len(data) != len(big) {
		t.Errorf("exactly at the limit: %d bytes, %v", len(data), err)
	}
}

func TestDownloadNeedsToken(t *testing.T) {
	fg, c := startFake(t, graphsim.Options{})
	fg.AddMedia("m", graphsim.MediaFile{MimeType: "image/jpeg", Data: []byte("jpeg")})
	info, err := c.MediaInfo(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	// The media URL itself refuses a request without the bearer token.
	resp, err := http.Get(info.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("media URL without token: HTTP %d", resp.StatusCode)
	}
	// And the client never sends the token over plain HTTP to a production client.
	prod := &Client{BaseURL: "https://graph.facebook.com", AccessToken: testToken}
	if _, _, err := prod.fetchMedia(context.Background(), info, 100); err == nil || !strings.Contains(err.Error(), "plain-http") {
		t.Errorf("plain-http media url accepted: %v", err)
	}
}

func TestMediaInfoFileSizeAsNumber(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(401)
			return
		}
		_, _ = w.Write([]byte(`{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/x","mime_type":"image/jpeg","sha256":"abc","file_size":303833,"id":"42"}`))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, APIVersion: "v24.0", AccessToken: testToken}
	info, err := c.MediaInfo(context.Background(), "42")
	if err != nil || info.FileSize != 303833 || info.URL != "https://lookaside.fbsbx.com/x" {
		t.Fatalf("%+v %v", info, err)
	}
	if _, err := c.MediaInfo(context.Background(), "../messages"); err == nil {
		t.Error("path-like media id accepted")
	}
}
