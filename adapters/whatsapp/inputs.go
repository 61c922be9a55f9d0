package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/samvad/samvad/engine"

	"github.com/samvad/samvad/engine/script"
)

// input maps one inbound message to the engine's channel-neutral input. It
// returns nil for system messages, which only go to the event log.
func (p *parser) input(m *Message, o obj) *engine.Input {
	in := &engine.Input{ID: m.WAMID, At: m.Timestamp}
	switch m.Type {
	case "text":
		t := o.child("text")
		if !t.present() {
			return p.missing(in, o, "text")
		}
		in.Kind, in.Text = engine.InputText, t.str("body")
	case "image", "audio", "video", "document", "sticker":
		return p.media(m, in, o)
	case "location":
		return p.location(in, o)
	case "contacts":
		in.Kind, in.Text = engine.InputText, contactsSummary(o)
	case "interactive":
		return p.interactive(in, o)
	case "button":
		b := o.child("button")
		if !b.present() {
			return p.missing(in, o, "button")
		}
		in.Kind, in.ChoiceID, in.Text = engine.InputChoice, b.str("payload"), b.str("text")
	case "reaction":
		r := o.child("reaction")
		m.ReactionTo = r.str("message_id")
		in.Kind, in.Text = engine.InputReaction, r.str("emoji")
	case "order":
		in.Kind, in.Text = engine.InputUnsupported, orderSummary(o.child("order"))
	case "request_welcome":
		in.Kind = engine.InputText
	case "system":
		s := o.child("system")
		m.System = &SystemChange{Type: s.str("type"), Body: s.str("body"), NewWaID: s.str("wa_id"), NewUserID: s.str("user_id")}
		if m.System.NewWaID == "" {
			m.System.NewWaID = s.str("new_wa_id")
		}
		return nil
	case "unsupported", "unknown":
		in.Kind, in.Text = engine.InputUnsupported, m.Type
		if t := o.child("unsupported").str("type"); t != "" {
			in.Text = t
		}
	case "edit", "revoke":
		in.Kind, in.Text = engine.InputUnsupported, m.Type
	default:
		p.problem(o.path, "unknown message type %q", script.Clip(m.Type, 40))
		in.Kind, in.Text = engine.InputUnsupported, m.Type
	}
	return in
}

// missing handles a message whose content object is absent.
func (p *parser) missing(in *engine.Input, o obj, typ string) *engine.Input {
	p.problem(o.path, "type %q without its %q object", typ, typ)
	in.Kind, in.Text = engine.InputUnsupported, typ
	return in
}

func (p *parser) media(m *Message, in *engine.Input, o obj) *engine.Input {
	c := o.child(m.Type)
	if !c.present() {
		return p.missing(in, o, m.Type)
	}
	in.Kind = engine.InputMedia
	in.Text = c.str("caption")
	in.Media = &engine.Attachment{
		Kind:     m.Type,
		MediaID:  c.str("id"),
		MimeType: c.str("mime_type"),
		Filename: c.str("filename"),
		SHA256:   c.str("sha256"),
		Voice:    c.boolean("voice"),
	}
	m.MediaURL = c.str("url")
	if in.Media.MediaID == "" {
		p.problem(c.path, "media without id")
	}
	return in
}

func (p *parser) location(in *engine.Input, o obj) *engine.Input {
	c := o.child("location")
	lat, okLat := c.number("latitude")
	lng, okLng := c.number("longitude")
	if !okLat || !okLng {
		p.problem(c.path, "location without latitude/longitude")
		in.Kind, in.Text = engine.InputUnsupported, "location"
		return in
	}
	in.Kind = engine.InputLocation
	in.Location = &engine.Location{Latitude: lat, Longitude: lng, Name: c.str("name"), Address: c.str("address")}
	return in
}

func (p *parser) interactive(in *engine.Input, o obj) *engine.Input {
	it := o.child("interactive")
	kind := it.str("type")
	switch kind {
	case "button_reply", "list_reply":
		r := it.child(kind)
		in.Kind, in.Text = engine.InputChoice, r.str("title")
		in.Asked, in.ChoiceID = ChoiceReply(r.str("id"))
		if in.ChoiceID == "" {
			p.problem(r.path, "reply without id")
		}
	case "nfm_reply":
		r := it.child("nfm_reply")
		in.Kind, in.Text = engine.InputForm, r.str("body")
		in.Data = p.formData(r)
	case "call_permission_reply":
		in.Kind, in.Text = engine.InputUnsupported, kind
	default:
		p.problem(it.path, "unknown interactive type %q", script.Clip(kind, 40))
		in.Kind, in.Text = engine.InputUnsupported, "interactive"
		if kind != "" {
			in.Text = kind
		}
	}
	return in
}

// formData decodes nfm_reply.response_json, which Meta sends as a JSON string
// holding JSON. A non-object value is kept under "value"; invalid JSON gives
// no data and a problem.
func (p *parser) formData(r obj) map[string]any {
	s := r.str("response_json")
	if s == "" {
		if raw, ok := r.raw("response_json"); ok && !isJSONString(raw) {
			// Tolerate an object sent directly instead of a string.
			s = string(raw)
		} else {
			return nil
		}
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		p.problem(r.path+".response_json", "not valid JSON")
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{"value": v}
}

func isJSONString(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return strings.HasPrefix(t, `"`)
}

// contactsSummary renders shared contact cards as one short line each:
// "Ana Test: +15555550101, +15555550199".
func contactsSummary(o obj) string {
	var cards []string
	for i, raw := range o.list("contacts") {
		c, ok := o.p.object(raw, fmt.Sprintf("%s.contacts[%d]", o.path, i))
		if !ok {
			continue
		}
		name := c.child("name").str("formatted_name")
		if name == "" {
			name = strings.TrimSpace(c.child("name").str("first_name") + " " + c.child("name").str("last_name"))
		}
		var phones []string
		for j, rp := range c.list("phones") {
			ph, ok := o.p.object(rp, fmt.Sprintf("%s.phones[%d]", c.path, j))
			if !ok {
				continue
			}
			if n := ph.str("phone"); n != "" {
				phones = append(phones, n)
			} else if w := ph.str("wa_id"); w != "" {
				phones = append(phones, "+"+w)
			}
		}
		card := name
		if len(phones) > 0 {
			card = strings.TrimSpace(name + ": " + strings.Join(phones, ", "))
		}
		if card != "" {
			cards = append(cards, card)
		}
	}
	return strings.Join(cards, "; ")
}

// orderSummary names a catalog order briefly: "order: 3 items (2 products), catalog 123".
func orderSummary(o obj) string {
	items, qty := 0, 0
	for i, raw := range o.list("product_items") {
		it, ok := o.p.object(raw, fmt.Sprintf("%s.product_items[%d]", o.path, i))
		if !ok {
			continue
		}
		items++
		qty += it.integer("quantity")
	}
	s := fmt.Sprintf("order: %d items (%d products)", qty, items)
	if c := o.str("catalog_id"); c != "" {
		s += ", catalog " + c
	}
	if t := o.str("text"); t != "" {
		s += ": " + t
	}
	return s
}
