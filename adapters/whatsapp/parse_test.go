package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

const (
	sampleWABA  = "100000000000001"
	samplePhone = "200000000000002"
	sampleAna   = "15555550101"
)

func parseSample(t *testing.T, name string) *Notification {
	t.Helper()
	n, err := Parse(readSample(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(n.Problems) != 0 {
		t.Errorf("%s: unexpected problems %q", name, n.Problems)
	}
	return n
}

// oneMessage checks the routing and identity fields every sample message
// shares and returns the message.
func oneMessage(t *testing.T, name, wantType string, wantUnix int64) Message {
	t.Helper()
	n := parseSample(t, name)
	if len(n.Messages) != 1 || len(n.Statuses) != 0 {
		t.Fatalf("%s: %d messages, %d statuses", name, len(n.Messages), len(n.Statuses))
	}
	m := n.Messages[0]
	if m.PhoneNumberID != samplePhone || m.DisplayPhoneNumber != "15550000000" || m.WABAID != sampleWABA {
		t.Errorf("%s: routing %q %q %q", name, m.PhoneNumberID, m.DisplayPhoneNumber, m.WABAID)
	}
	if m.WaID != sampleAna || m.ContactKey() != sampleAna || m.ProfileName != "Ana Test Citizen" {
		t.Errorf("%s: identity wa_id=%q key=%q name=%q", name, m.WaID, m.ContactKey(), m.ProfileName)
	}
	if m.Type != wantType {
		t.Errorf("%s: type %q, want %q", name, m.Type, wantType)
	}
	if want := time.Unix(wantUnix, 0); !m.Timestamp.Equal(want) {
		t.Errorf("%s: timestamp %v, want %v", name, m.Timestamp, want)
	}
	if !strings.HasPrefix(m.WAMID, "wamid.") {
		t.Errorf("%s: wamid %q", name, m.WAMID)
	}
	if m.Input != nil && (m.Input.ID != m.WAMID || !m.Input.At.Equal(m.Timestamp)) {
		t.Errorf("%s: input id/at %q %v", name, m.Input.ID, m.Input.At)
	}
	var raw map[string]any
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw["id"] != m.WAMID {
		t.Errorf("%s: Raw is not the message object (%v)", name, err)
	}
	return m
}

func TestParseSampleMessages(t *testing.T) {
	tests := []struct {
		file string
		typ  string
		unix int64
		want engine.Input
		ctx  *MessageContext
	}{
		{"01_text.json", "text", 1767261600, engine.Input{Kind: engine.InputText, Text: "Hello, I need to renew my ID card"}, nil},
		{"02_image_with_caption.json", "image", 1767261660, engine.Input{Kind: engine.InputMedia, Text: "Photo of my old ID card",
			Media: &engine.Attachment{Kind: "image", MediaID: "1000000000000002", MimeType: "image/jpeg", SHA256: "sEI2cwcTWef/Yux/J2axv+hoLuQmuNZnL4qrBhm6dkg="}}, nil},
		{"03_audio_voice_note.json", "audio", 1767261720, engine.Input{Kind: engine.InputMedia,
			Media: &engine.Attachment{Kind: "audio", MediaID: "1000000000000003", MimeType: "audio/ogg; codecs=opus", SHA256: "z9DAM9GesqejmeIitEcrBbIdpcxLr6fQyWVeOzO37OI=", Voice: true}}, nil},
		{"04_document.json", "document", 1767261780, engine.Input{Kind: engine.InputMedia, Text: "Proof of address",
			Media: &engine.Attachment{Kind: "document", MediaID: "1000000000000004", MimeType: "application/pdf", Filename: "utility-bill-2025-12.pdf", SHA256: "UK+NRDzPiyd3tyqRac0GZe9L5TNbj1NUNVb6DTILE1s="}}, nil},
		{"05_location.json", "location", 1767261840, engine.Input{Kind: engine.InputLocation,
			Location: &engine.Location{Latitude: 38.8976763, Longitude: -77.0365298, Name: "Example Civic Center", Address: "1 Example Civic Plaza, Springfield"}},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUTE9DUkVRMDAwMDAwMQA="}},
		{"06_interactive_button_reply.json", "interactive", 1767261900, engine.Input{Kind: engine.InputChoice, ChoiceID: "svc:id_renewal:confirm", Text: "Confirm"},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUQlVUVE9OUzAwMDAwMQA="}},
		{"07_interactive_list_reply.json", "interactive", 1767261960, engine.Input{Kind: engine.InputChoice, ChoiceID: "office:downtown", Text: "Downtown office"},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUTElTVDAwMDAwMDAwMQA="}},
		{"08_template_quick_reply_button.json", "button", 1767262020, engine.Input{Kind: engine.InputChoice, ChoiceID: "APPT_REMINDER_CONFIRM", Text: "Yes, I will attend"},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUVEVNUExBVEUwMDAwMQA="}},
		{"09_reaction.json", "reaction", 1767262080, engine.Input{Kind: engine.InputReaction, Text: "👍"}, nil},
		{"10_unsupported_with_errors.json", "unsupported", 1767262140, engine.Input{Kind: engine.InputUnsupported, Text: "poll_creation"}, nil},
		{"16_text_context_reply.json", "text", 1767262360, engine.Input{Kind: engine.InputText, Text: "Is this still valid for next week?"},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUVEVYVDAwMDAwMDAwMQA="}},
		{"18_interactive_nfm_reply_flow.json", "interactive", 1767262480, engine.Input{Kind: engine.InputForm, Text: "Sent",
			Data: map[string]any{"flow_token": "fictional-flow-token-001", "full_name": "Ana Test Citizen", "service": "id_renewal"}},
			&MessageContext{From: "15550000000", ID: "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VURkxPVzAwMDAwMDAwMQA="}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := oneMessage(t, tt.file, tt.typ, tt.unix)
			if m.Input == nil {
				t.Fatal("no input")
			}
			got := *m.Input
			got.ID, got.At = "", time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("input\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(m.Context, tt.ctx) {
				t.Errorf("context %+v, want %+v", m.Context, tt.ctx)
			}
		})
	}
}

func TestParseSampleDetails(t *testing.T) {
	img := oneMessage(t, "02_image_with_caption.json", "image", 1767261660)
	if !strings.HasPrefix(img.MediaURL, "https://lookaside.fbsbx.com/") {
		t.Errorf("image media url %q", img.MediaURL)
	}
	r := oneMessage(t, "09_reaction.json", "reaction", 1767262080)
	if r.ReactionTo != "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUVEVYVDAwMDAwMDAwMQA=" {
		t.Errorf("reaction target %q", r.ReactionTo)
	}
	u := oneMessage(t, "10_unsupported_with_errors.json", "unsupported", 1767262140)
	want := []APIError{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown", Details: "Message type is currently not supported."}}
	if !reflect.DeepEqual(u.Errors, want) {
		t.Errorf("unsupported errors %+v", u.Errors)
	}
}

func TestParseSampleStatuses(t *testing.T) {
	tmplWAMID := "wamid.HBgLMTU1NTU1NTAxMDEVAgARGBRGQUtFT1VUVEVNUExBVEUwMDAwMQA="
	utility := &Pricing{Category: "utility", Type: "regular", PricingModel: "PMP", Billable: true}
	tests := []struct {
		file string
		want Status
	}{
		{"11_status_sent.json", Status{WAMID: tmplWAMID, Status: "sent", Timestamp: time.Unix(1767258000, 0), RecipientID: sampleAna, BizOpaqueCallbackData: "case-2026-000123", Pricing: utility}},
		{"12_status_delivered.json", Status{WAMID: tmplWAMID, Status: "delivered", Timestamp: time.Unix(1767258010, 0), RecipientID: sampleAna, BizOpaqueCallbackData: "case-2026-000123", Pricing: utility}},
		{"13_status_read.json", Status{WAMID: tmplWAMID, Status: "read", Timestamp: time.Unix(1767258100, 0), RecipientID: sampleAna, BizOpaqueCallbackData: "case-2026-000123"}},
		{"14_status_failed.json", Status{WAMID: "wamid.HBgLMTU1NTU1NTAxMDIVAgARGBRGQUtFT1VURlJFRUZPUk0wMDAwMQA=", Status: "failed", Timestamp: time.Unix(1767262200, 0), RecipientID: "15555550102",
			Errors: []APIError{{Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
				Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
				Href:    "/documentation/business-messaging/whatsapp/support/error-codes"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := parseSample(t, tt.file)
			if len(n.Statuses) != 1 || len(n.Messages) != 0 {
				t.Fatalf("%d statuses, %d messages", len(n.Statuses), len(n.Messages))
			}
			got := n.Statuses[0]
			if got.PhoneNumberID != samplePhone || got.WABAID != sampleWABA || len(got.Raw) == 0 {
				t.Errorf("routing %q %q raw=%d", got.PhoneNumberID, got.WABAID, len(got.Raw))
			}
			got.PhoneNumberID, got.DisplayPhoneNumber, got.WABAID, got.Raw = "", "", "", nil
			got.Timestamp = got.Timestamp.Local()
			tt.want.Timestamp = tt.want.Timestamp.Local()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if m := (&GraphError{Code: 131047}).Meaning(); !strings.Contains(m, "24 hours") {
		t.Errorf("131047 meaning %q", m)
	}
}

func TestParseValueLevelErrors(t *testing.T) {
	n := parseSample(t, "19_value_level_errors.json")
	if len(n.Messages)+len(n.Statuses) != 0 || len(n.Errors) != 1 {
		t.Fatalf("got %d messages %d statuses %d errors", len(n.Messages), len(n.Statuses), len(n.Errors))
	}
	if e := n.Errors[0]; e.Code != 130429 || e.Title != "Rate limit hit" || !strings.HasPrefix(e.Details, "Message failed to send because there were too many") {
		t.Errorf("error %+v", e)
	}
}

// A POST may batch several entries, each with several changes, each with
// several messages and statuses; nothing may be dropped, order is kept, and
// each message is matched to its own contact by id, not by position.
func TestParseBatched(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[
	 {"id":"W1","changes":[
	  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P1"},
	   "contacts":[{"profile":{"name":"Second"},"wa_id":"222"},{"profile":{"name":"First"},"wa_id":"111"}],
	   "messages":[
	    {"from":"111","id":"wamid.A","timestamp":"1767261600","type":"text","text":{"body":"one"}},
	    {"from":"222","id":"wamid.B","timestamp":1767261601,"type":"text","text":{"body":"two"}}]}},
	  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P1"},
	   "statuses":[{"id":"wamid.S1","status":"delivered","timestamp":"1767261602","recipient_id":"111"},
	               {"id":"wamid.S2","status":"read","timestamp":"1767261603000","recipient_id":"222"}]}}]},
	 {"id":"W2","changes":[
	  {"field":"message_template_status_update","value":{"event":"APPROVED"}},
	  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000001","phone_number_id":"P2"},
	   "contacts":[{"profile":{"name":"Third"},"wa_id":"333"}],
	   "messages":[{"from":"333","id":"wamid.C","timestamp":"1767261604","type":"text","text":{"body":"three"}}],
	   "statuses":[{"id":"wamid.S3","status":"sent","timestamp":"1767261605","recipient_id":"333"}]}}]}]}`
	n, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, phone, waba, who, name, text string }
	var got []row
	for _, m := range n.Messages {
		got = append(got, row{m.WAMID, m.PhoneNumberID, m.WABAID, m.WaID, m.ProfileName, m.Input.Text})
	}
	want := []row{
		{"wamid.A", "P1", "W1", "111", "First", "one"},
		{"wamid.B", "P1", "W1", "222", "Second", "two"},
		{"wamid.C", "P2", "W2", "333", "Third", "three"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %v\nwant %v", got, want)
	}
	var sts []string
	for _, s := range n.Statuses {
		sts = append(sts, s.WAMID+":"+s.Status+":"+s.PhoneNumberID)
	}
	if want := []string{"wamid.S1:delivered:P1", "wamid.S2:read:P1", "wamid.S3:sent:P2"}; !reflect.DeepEqual(sts, want) {
		t.Errorf("statuses %v, want %v", sts, want)
	}
	if !n.Statuses[1].Timestamp.Equal(time.Unix(1767261603, 0)) {
		t.Errorf("millisecond timestamp read as %v", n.Statuses[1].Timestamp)
	}
	if !n.Messages[1].Timestamp.Equal(time.Unix(1767261601, 0)) {
		t.Errorf("numeric timestamp read as %v", n.Messages[1].Timestamp)
	}
	if len(n.Problems) != 1 || !strings.Contains(n.Problems[0], "entry[1].changes[0]") || !strings.Contains(n.Problems[0], "message_template_status_update") {
		t.Errorf("problems %q", n.Problems)
	}
}

// 2026: a citizen with a username may arrive with no from/wa_id at all, only
// the business-scoped user id.
func TestParseBSUIDOnlyMessage(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
	  "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P"},
	  "contacts":[{"profile":{"name":"Cam","username":"@cam.test.fictional"},"user_id":"US.1000000000000000001"}],
	  "messages":[{"from_user_id":"US.1000000000000000001","id":"wamid.U","timestamp":"1767261600","type":"text","text":{"body":"hi"}}]}}]}]}`
	n, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Problems) != 0 || len(n.Messages) != 1 {
		t.Fatalf("problems %q, %d messages", n.Problems, len(n.Messages))
	}
	m := n.Messages[0]
	if m.WaID != "" || m.UserID != "US.1000000000000000001" || m.ContactKey() != "US.1000000000000000001" {
		t.Errorf("identity wa_id=%q user=%q key=%q", m.WaID, m.UserID, m.ContactKey())
	}
	if m.Username != "@cam.test.fictional" || m.ProfileName != "Cam" || m.Input.Text != "hi" {
		t.Errorf("username %q name %q text %q", m.Username, m.ProfileName, m.Input.Text)
	}
}

func TestParseSystemUserChangedNumber(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
	  "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P"},
	  "messages":[{"from":"15555550101","id":"wamid.SYS","timestamp":"1767261600","type":"system",
	   "system":{"body":"User A changed from 15555550101 to 15555550199","wa_id":"15555550199","type":"user_changed_number"}}]}}]}]}`
	n, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	m := n.Messages[0]
	if m.Input != nil {
		t.Errorf("system message has an engine input %+v", m.Input)
	}
	if m.System == nil || m.System.Type != "user_changed_number" || m.System.NewWaID != "15555550199" || m.WaID != "15555550101" {
		t.Errorf("system %+v wa_id %q", m.System, m.WaID)
	}
	if len(n.Problems) != 0 {
		t.Errorf("problems %q", n.Problems)
	}
}

// msgBody wraps one message object in a full envelope.
func msgBody(message string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
	 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P"},
	 "contacts":[{"profile":{"name":"A"},"wa_id":"111"}],"messages":[` + message + `]}}]}]}`)
}

func TestParseMessageTypes(t *testing.T) {
	tests := []struct {
		name, msg   string
		kind        engine.InputKind
		text, id    string
		data        map[string]any
		wantProblem string
	}{
		{"contacts", `{"from":"111","id":"wamid.1","timestamp":"1","type":"contacts","contacts":[
		   {"name":{"formatted_name":"Ravi Kumar","first_name":"Ravi"},"phones":[{"phone":"+91 98765 43210","type":"CELL"},{"wa_id":"919812345678"}]},
		   {"name":{"formatted_name":"Office"}}]}`, engine.InputText, "Ravi Kumar: +91 98765 43210, +919812345678; Office", "", nil, ""},
		{"sticker", `{"from":"111","id":"wamid.2","timestamp":"1","type":"sticker","sticker":{"id":"m1","mime_type":"image/webp","animated":false}}`,
			engine.InputMedia, "", "", nil, ""},
		{"video caption", `{"from":"111","id":"wamid.3","timestamp":"1","type":"video","video":{"id":"m2","caption":"road","mime_type":"video/mp4"}}`,
			engine.InputMedia, "road", "", nil, ""},
		{"reaction removed", `{"from":"111","id":"wamid.4","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.X"}}`,
			engine.InputReaction, "", "", nil, ""},
		{"order", `{"from":"111","id":"wamid.5","timestamp":"1","type":"order","order":{"catalog_id":"C9","product_items":[{"product_retailer_id":"a","quantity":2},{"product_retailer_id":"b","quantity":"1"}]}}`,
			engine.InputUnsupported, "order: 3 items (2 products), catalog C9", "", nil, ""},
		{"request_welcome", `{"from":"111","id":"wamid.6","timestamp":"1","type":"request_welcome"}`, engine.InputText, "", "", nil, ""},
		{"call permission", `{"from":"111","id":"wamid.7","timestamp":"1","type":"interactive","interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"accept","expiration_timestamp":"1767261600"}}}`,
			engine.InputUnsupported, "call_permission_reply", "", nil, ""},
		{"unknown legacy", `{"from":"111","id":"wamid.8","timestamp":"1","type":"unknown","errors":[{"code":131051}]}`, engine.InputUnsupported, "unknown", "", nil, ""},
		{"new type", `{"from":"111","id":"wamid.9","timestamp":"1","type":"hologram","hologram":{}}`, engine.InputUnsupported, "hologram", "", nil, "unknown message type"},
		{"nfm invalid json", `{"from":"111","id":"wamid.10","timestamp":"1","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent","response_json":"{not json"}}}`,
			engine.InputForm, "Sent", "", nil, "response_json: not valid JSON"},
		{"nfm scalar json", `{"from":"111","id":"wamid.11","timestamp":"1","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"name":"address_message","body":"Sent","response_json":"42"}}}`,
			engine.InputForm, "Sent", "", map[string]any{"value": float64(42)}, ""},
		{"unknown interactive", `{"from":"111","id":"wamid.12","timestamp":"1","type":"interactive","interactive":{"type":"carousel_reply"}}`,
			engine.InputUnsupported, "carousel_reply", "", nil, "unknown interactive type"},
		{"text without text", `{"from":"111","id":"wamid.13","timestamp":"1","type":"text"}`, engine.InputUnsupported, "text", "", nil, `without its "text" object`},
		{"edit", `{"from":"111","id":"wamid.14","timestamp":"1","type":"edit","edit":{"original_message_id":"wamid.X"}}`, engine.InputUnsupported, "edit", "", nil, ""},
		{"location as strings", `{"from":"111","id":"wamid.15","timestamp":"1","type":"location","location":{"latitude":"12.5","longitude":"77.25"}}`,
			engine.InputLocation, "", "", nil, ""},
		{"location missing", `{"from":"111","id":"wamid.16","timestamp":"1","type":"location","location":{"name":"x"}}`,
			engine.InputUnsupported, "location", "", nil, "without latitude"},
		{"list reply", `{"from":"111","id":"wamid.17","timestamp":"1","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Water"}}}`,
			engine.InputChoice, "Water", "r1", nil, ""},
		{"timestamp object", `{"from":"111","id":"wamid.18","timestamp":{"x":1},"type":"text","text":{"body":"hi"}}`,
			engine.InputText, "hi", "", nil, "timestamp: not a Unix timestamp"},
		{"body number", `{"from":"111","id":"wamid.19","timestamp":"1","type":"text","text":{"body":7}}`,
			engine.InputText, "7", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(msgBody(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if len(n.Messages) != 1 {
				t.Fatalf("%d messages, problems %q", len(n.Messages), n.Problems)
			}
			in := n.Messages[0].Input
			if in == nil || in.Kind != tt.kind || in.Text != tt.text || in.ChoiceID != tt.id {
				t.Fatalf("input %+v, want kind %v text %q id %q", in, tt.kind, tt.text, tt.id)
			}
			if !reflect.DeepEqual(in.Data, tt.data) {
				t.Errorf("data %#v, want %#v", in.Data, tt.data)
			}
			problems := strings.Join(n.Problems, "\n")
			if tt.wantProblem == "" && problems != "" {
				t.Errorf("unexpected problems %q", problems)
			}
			if tt.wantProblem != "" && !strings.Contains(problems, tt.wantProblem) {
				t.Errorf("problems %q lack %q", problems, tt.wantProblem)
			}
			if tt.wantProblem != "" && !strings.Contains(problems, "entry[0].changes[0].value.messages[0]") {
				t.Errorf("problem does not say where: %q", problems)
			}
		})
	}
}

func TestParseRejectsNonEnvelopes(t *testing.T) {
	for name, body := range map[string]string{
		"not json":     `{"object":`,
		"empty":        ``,
		"array":        `[]`,
		"null":         `null`,
		"string":       `"whatsapp_business_account"`,
		"other object": `{"object":"page","entry":[]}`,
		"no object":    `{"entry":[]}`,
		"object type":  `{"object":7}`,
	} {
		n, err := Parse([]byte(body))
		if err == nil || n != nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if name != "not json" && name != "empty" && !errors.Is(err, ErrNotWhatsApp) {
			t.Errorf("%s: error %v does not wrap ErrNotWhatsApp", name, err)
		}
	}
}

func TestParseToleratesOddShapes(t *testing.T) {
	for name, body := range map[string]string{
		"entry not array":   `{"object":"whatsapp_business_account","entry":{}}`,
		"change not object": `{"object":"whatsapp_business_account","entry":[{"changes":[7]}]}`,
		"messages object":   `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},"messages":{}}}]}]}`,
		"unknown status":    `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},"statuses":[{"id":"wamid.1","status":"deleted","timestamp":"1"}]}}]}]}`,
		"unknown value key": `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},"calls":[{}]}}]}]}`,
		"message no id":     `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},"messages":[{"type":"text"}]}}]}]}`,
		"no entry":          `{"object":"whatsapp_business_account"}`,
	} {
		n, err := Parse([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name != "no entry" && len(n.Problems) == 0 {
			t.Errorf("%s: no problem recorded", name)
		}
	}
	n, _ := Parse([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},"statuses":[{"id":"wamid.1","status":"deleted","timestamp":"1"}]}}]}]}`))
	if len(n.Statuses) != 1 || n.Statuses[0].Status != "deleted" {
		t.Errorf("unknown status value not kept: %+v", n.Statuses)
	}
}

func TestParseCapsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"object":"whatsapp_business_account","entry":[`)
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`7`)
	}
	b.WriteString(`]}`)
	n, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Problems) != maxProblems+1 || !strings.Contains(n.Problems[maxProblems], "400 more") {
		t.Errorf("%d problems, last %q", len(n.Problems), n.Problems[len(n.Problems)-1])
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(msgBody(`{"from":"111","id":"wamid.1","timestamp":"1e3","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":{"a":1}}}}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":null}]}]}`))
	f.Add([]byte(`{"object":"page","\u006fbject":"whatsapp_business_account","entry":[{"id":1e3,"changes":[{"field":"messages","value":{"x":1,"x":[],"metadata":{"phone_number_id":"P"},"messages":[{"id":"wamid.\"1","from":"1","type":"text","text":{"body":"\u00e9"},"text":{"body":"b"}}]}}]}]}`))
	for _, body := range oddBodies() {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Any valid JSON is also tried as a message and as a change value,
		// where most of the parsing happens.
		if json.Valid(body) {
			checkParseInvariants(t, msgBody(string(body)))
			checkParseInvariants(t, []byte(valueBody(string(body))))
		}
		checkParseInvariants(t, body)
	})
}

// checkParseInvariants parses body and checks what must hold of any result.
func checkParseInvariants(t *testing.T, body []byte) {
	t.Helper()
	n, err := Parse(body)
	if err != nil {
		if n != nil {
			t.Fatal("notification returned with an error")
		}
		return
	}
	for _, m := range n.Messages {
		if m.WAMID == "" {
			t.Fatal("message without wamid")
		}
		if m.Input != nil {
			if m.Input.ID != m.WAMID || m.Input.Kind == 0 {
				t.Fatalf("bad input %+v", m.Input)
			}
			if _, err := json.Marshal(m.Input); err != nil {
				t.Fatalf("input does not encode: %v", err)
			}
		} else if m.Type != "system" {
			t.Fatalf("non-system message %q without input", m.Type)
		}
	}
	if len(n.Problems) > maxProblems+1 {
		t.Fatalf("%d problems", len(n.Problems))
	}
}

func TestParseContextReferralAndConversation(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
	  "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"P"},
	  "contacts":[{"profile":{"name":"A"},"wa_id":"111"}],
	  "messages":[
	   {"from":"111","id":"wamid.F","timestamp":"1767261600","type":"text","text":{"body":"fwd"},"context":{"forwarded":true,"frequently_forwarded":"true"}},
	   {"from":"111","id":"wamid.P","timestamp":"1767261600","type":"text","text":{"body":"price?"},
	    "context":{"from":"15550000000","id":"wamid.CAT","referred_product":{"catalog_id":"C1","product_retailer_id":"SKU9"}}},
	   {"from":"111","id":"wamid.R","timestamp":"1767261600","type":"text","text":{"body":"from ad"},
	    "referral":{"source_url":"https://fb.me/x","source_id":"ad1","source_type":"ad","body":"Get vaccinated","headline":"Camp",
	     "media_type":"image","image_url":"https://ex.org/i.png","ctwa_clid":"CLID","welcome_message":{"text":"Hi!"}}}],
	  "statuses":[
	   {"id":"wamid.S1","status":"sent","timestamp":"1767261600","recipient_id":"111","conversation":{"id":"CONV","expiration_timestamp":"1767348000","origin":{"type":"service"}}},
	   {"id":"wamid.S2","status":"played","timestamp":1767261600,"recipient_id":"111","conversation":{"id":"CONV","expiration_timestamp":1767348000}}]}}]}]}`
	n, err := Parse([]byte(body))
	if err != nil || len(n.Problems) != 0 {
		t.Fatalf("%v %q", err, n.Problems)
	}
	if c := n.Messages[0].Context; c == nil || !c.Forwarded || !c.FrequentlyForwarded || c.ID != "" {
		t.Errorf("forwarded context %+v", c)
	}
	if c := n.Messages[1].Context; c == nil || c.ReferredProduct == nil || c.ReferredProduct.ProductRetailerID != "SKU9" || c.ID != "wamid.CAT" {
		t.Errorf("product context %+v", c)
	}
	want := &Referral{SourceURL: "https://fb.me/x", SourceID: "ad1", SourceType: "ad", Body: "Get vaccinated", Headline: "Camp",
		MediaType: "image", ImageURL: "https://ex.org/i.png", CTWAClickID: "CLID", WelcomeMessage: "Hi!"}
	if r := n.Messages[2].Referral; !reflect.DeepEqual(r, want) {
		t.Errorf("referral %+v", r)
	}
	exp := time.Unix(1767348000, 0)
	for i, s := range n.Statuses {
		if s.Conversation == nil || s.Conversation.ID != "CONV" || !s.Conversation.Expiration.Equal(exp) {
			t.Errorf("status %d conversation %+v", i, s.Conversation)
		}
	}
	if n.Statuses[0].Conversation.OriginType != "service" || n.Statuses[1].Status != StatusPlayed {
		t.Errorf("statuses %+v", n.Statuses)
	}
}

func TestStatusRankMovesForwardOnly(t *testing.T) {
	order := []string{StatusSent, StatusDelivered, StatusRead, StatusPlayed, StatusFailed}
	for i := 1; i < len(order); i++ {
		if StatusRank(order[i]) <= StatusRank(order[i-1]) {
			t.Errorf("%s does not rank above %s", order[i], order[i-1])
		}
	}
	if StatusRank("deleted") != 0 {
		t.Error("unknown status ranks")
	}
}
