package graphsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// Error is a Graph API error answer: the HTTP status and the fields of the
// {"error":{...}} body.
type Error struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph error %d (HTTP %d): %s: %s", e.Code, e.HTTPStatus, e.Message, e.Details)
}

// body renders the Graph error body.
func (e *Error) body(traceID string) []byte {
	typ := e.Type
	if typ == "" {
		typ = "OAuthException"
	}
	inner := map[string]any{
		"message":    e.Message,
		"type":       typ,
		"code":       e.Code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": e.Details},
		"fbtrace_id": traceID,
	}
	if e.Subcode != 0 {
		inner["error_subcode"] = e.Subcode
	}
	b, _ := json.Marshal(map[string]any{"error": inner})
	return b
}

// invalidParam is Meta's "(#100) Invalid parameter" family (bad structure,
// over-long text and captions).
func invalidParam(format string, args ...any) *Error {
	return &Error{HTTPStatus: 400, Code: 100, Message: "(#100) Invalid parameter", Details: fmt.Sprintf(format, args...)}
}

// invalidValue is Meta's "(#131009) Parameter value is not valid" family
// (interactive limits: button titles, row counts...).
func invalidValue(format string, args ...any) *Error {
	return &Error{HTTPStatus: 400, Code: 131009, Message: "(#131009) Parameter value is not valid", Details: fmt.Sprintf(format, args...)}
}

func required(path string) *Error {
	return &Error{HTTPStatus: 400, Code: 100, Message: fmt.Sprintf("(#100) The parameter %s is required.", path), Details: path + " is required"}
}

// The limits of CONTRACT.md §6, counted in Unicode code points.
const (
	maxText         = 4096
	maxCaption      = 1024
	maxBody         = 1024
	maxHeaderFooter = 60
	maxButtons      = 3
	maxButtonTitle  = 20
	maxButtonID     = 256
	maxListButton   = 20
	maxSections     = 10
	maxRows         = 10
	maxRowTitle     = 24
	maxRowDesc      = 72
	maxRowID        = 200
	maxSectionTitle = 24
	maxOpaque       = 512
)

var bsuid = regexp.MustCompile(`^[A-Z]{2}\.[A-Za-z0-9]{1,128}$`)

// jobj is a decoded JSON object with typed accessors that produce Meta-style
// errors naming the parameter path.
type jobj struct {
	m    map[string]any
	path string
}

func (o jobj) name(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

func (o jobj) has(key string) bool {
	v, ok := o.m[key]
	return ok && v != nil
}

func (o jobj) str(key string, need bool) (string, *Error) {
	v, ok := o.m[key]
	if !ok || v == nil {
		if need {
			return "", required(o.name(key))
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalidParam("Param %s must be a string", o.name(key))
	}
	if need && s == "" {
		return "", required(o.name(key))
	}
	return s, nil
}

func (o jobj) obj(key string, need bool) (jobj, *Error) {
	v, ok := o.m[key]
	if !ok || v == nil {
		if need {
			return jobj{}, required(o.name(key))
		}
		return jobj{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return jobj{}, invalidParam("Param %s must be a JSON object", o.name(key))
	}
	return jobj{m: m, path: o.name(key)}, nil
}

func (o jobj) list(key string, need bool) ([]any, *Error) {
	v, ok := o.m[key]
	if !ok || v == nil {
		if need {
			return nil, required(o.name(key))
		}
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, invalidParam("Param %s must be an array", o.name(key))
	}
	return l, nil
}

func (o jobj) item(l []any, i int) (jobj, *Error) {
	p := fmt.Sprintf("%s[%d]", o.path, i)
	m, ok := l[i].(map[string]any)
	if !ok {
		return jobj{}, invalidParam("Param %s must be a JSON object", p)
	}
	return jobj{m: m, path: p}, nil
}

// textLimit checks a required or optional string parameter's length.
func (o jobj) textLimit(key string, need bool, limit int, over func(string, ...any) *Error) (string, *Error) {
	s, err := o.str(key, need)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return "", over("Param %s must be at most %d characters long, got %d", o.name(key), limit, n)
	}
	return s, nil
}

// Validate checks a POST /{phone-number-id}/messages body the way the Cloud
// API does: a message (messaging_product, a recipient, a type and its object,
// every length and count limit of CONTRACT.md §6) or a mark-read/typing
// request. It returns nil for a valid body, else the error Meta would answer
// (HTTP 400, code 100 for structure and text lengths, 131009 for interactive
// limits).
//
// The result is a *Error so its fields can be read; compare it with nil
// before storing it in an error variable.
//
// One rule is stricter than Meta: a "to" number must start with "+", because
// without it Meta prefixes the business number's own country code.
func Validate(body []byte) *Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return invalidParam("request body is not a JSON object")
	}
	if dec.More() {
		return invalidParam("request body has data after the JSON object")
	}
	o := jobj{m: m}
	mp, err := o.str("messaging_product", true)
	if err != nil {
		return err
	}
	if mp != "whatsapp" {
		return invalidParam("Param messaging_product must be \"whatsapp\"")
	}
	if o.has("status") {
		return validateMarkRead(o)
	}
	if err := validateEnvelope(o); err != nil {
		return err
	}
	typ, err := o.str("type", false)
	if err != nil {
		return err
	}
	if typ == "" {
		typ = "text" // Meta's default
	}
	content, err := o.obj(typ, true)
	if err != nil {
		return err
	}
	switch typ {
	case "text":
		return validateText(content)
	case "image", "video", "document":
		return validateMedia(content, true)
	case "audio", "sticker":
		return validateMedia(content, false)
	case "location":
		return validateLocation(content)
	case "interactive":
		return validateInteractive(content)
	case "template":
		return validateTemplate(content)
	case "reaction":
		if o.has("context") {
			return invalidParam("a reaction cannot be sent as a contextual reply")
		}
		if _, err := content.str("message_id", true); err != nil {
			return err
		}
		if !content.has("emoji") {
			return required(content.name("emoji"))
		}
		_, err := content.str("emoji", false)
		return err
	case "contacts":
		l, err := o.list("contacts", true)
		if err == nil && len(l) == 0 {
			err = required("contacts")
		}
		return err
	}
	return invalidParam("Param type must be one of {text, image, audio, document, video, sticker, location, contacts, interactive, template, reaction}, got %q", typ)
}

func validateMarkRead(o jobj) *Error {
	st, err := o.str("status", true)
	if err != nil {
		return err
	}
	if st != "read" {
		return invalidParam("Param status must be \"read\"")
	}
	if _, err := o.str("message_id", true); err != nil {
		return err
	}
	ti, err := o.obj("typing_indicator", false)
	if err != nil || ti.m == nil {
		return err
	}
	t, err := ti.str("type", true)
	if err != nil {
		return err
	}
	if t != "text" {
		return invalidParam("Param typing_indicator.type must be \"text\"")
	}
	return nil
}

func validateEnvelope(o jobj) *Error {
	if rt, err := o.str("recipient_type", false); err != nil {
		return err
	} else if rt != "" && rt != "individual" && rt != "group" {
		return invalidParam("Param recipient_type must be individual or group")
	}
	to, err := o.str("to", false)
	if err != nil {
		return err
	}
	rcpt, err := o.str("recipient", false)
	if err != nil {
		return err
	}
	switch {
	case to == "" && rcpt == "":
		return required("to")
	case to != "" && !internationalNumber(to):
		return invalidParam("Param to must be a phone number in international format with + and country code")
	case to == "" && !bsuid.MatchString(rcpt):
		return invalidParam("Param recipient must be a business-scoped user id")
	}
	if ctx, err := o.obj("context", false); err != nil {
		return err
	} else if ctx.m != nil {
		if _, err := ctx.str("message_id", true); err != nil {
			return err
		}
	}
	_, err = o.textLimit("biz_opaque_callback_data", false, maxOpaque, invalidParam)
	return err
}

func internationalNumber(s string) bool {
	if len(s) == 0 || s[0] != '+' {
		return false
	}
	digits := 0
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

func validateText(t jobj) *Error {
	if _, err := t.textLimit("body", true, maxText, invalidParam); err != nil {
		return err
	}
	if v, ok := t.m["preview_url"]; ok {
		if _, isBool := v.(bool); !isBool {
			return invalidParam("Param text.preview_url must be a boolean")
		}
	}
	return nil
}

func validateMedia(m jobj, captioned bool) *Error {
	id, err := m.str("id", false)
	if err != nil {
		return err
	}
	link, err := m.str("link", false)
	if err != nil {
		return err
	}
	if (id == "") == (link == "") {
		return invalidParam("Param %s must have exactly one of id and link", m.path)
	}
	if link != "" {
		u, perr := url.Parse(link)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidParam("Param %s.link must be an absolute http(s) URL", m.path)
		}
	}
	if !captioned && m.has("caption") {
		return invalidParam("Param %s.caption is not allowed for %s", m.path, m.path)
	}
	_, err = m.textLimit("caption", false, maxCaption, invalidParam)
	if err != nil {
		return err
	}
	_, err = m.str("filename", false)
	return err
}

func validateLocation(l jobj) *Error {
	for _, k := range []struct {
		key   string
		limit float64
	}{{"latitude", 90}, {"longitude", 180}} {
		v, ok := l.m[k.key]
		if !ok || v == nil {
			return required(l.name(k.key))
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		default:
			return invalidParam("Param %s must be a number", l.name(k.key))
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < -k.limit || f > k.limit {
			return invalidParam("Param %s must be a decimal degree within ±%v", l.name(k.key), k.limit)
		}
	}
	for _, k := range []string{"name", "address"} {
		if _, err := l.str(k, false); err != nil {
			return err
		}
	}
	return nil
}

var otherInteractive = map[string]bool{
	"cta_url": true, "flow": true, "product": true, "product_list": true, "catalog_message": true,
	"address_message": true, "call_permission_request": true, "voice_call": true,
}

func validateInteractive(it jobj) *Error {
	typ, err := it.str("type", true)
	if err != nil {
		return err
	}
	action, err := it.obj("action", true)
	if err != nil {
		return err
	}
	if err := validateHeaderFooter(it, typ); err != nil {
		return err
	}
	body, err := it.obj("body", typ != "product" && typ != "product_list")
	if err != nil {
		return err
	}
	if body.m != nil {
		if _, err := body.textLimit("text", true, maxBody, invalidParam); err != nil {
			return err
		}
	}
	switch typ {
	case "button":
		return validateButtons(action)
	case "list":
		return validateList(action)
	case "location_request_message":
		if name, err := action.str("name", true); err != nil {
			return err
		} else if name != "send_location" {
			return invalidParam("Param interactive.action.name must be \"send_location\"")
		}
		return nil
	}
	if otherInteractive[typ] {
		return nil
	}
	return invalidParam("Param interactive.type %q is not a valid interactive message type", typ)
}

func validateHeaderFooter(it jobj, typ string) *Error {
	footer, err := it.obj("footer", false)
	if err != nil {
		return err
	}
	if footer.m != nil {
		if _, err := footer.textLimit("text", true, maxHeaderFooter, invalidParam); err != nil {
			return err
		}
	}
	header, err := it.obj("header", false)
	if err != nil || header.m == nil {
		return err
	}
	ht, err := header.str("type", true)
	if err != nil {
		return err
	}
	switch ht {
	case "text":
		_, err := header.textLimit("text", true, maxHeaderFooter, invalidParam)
		return err
	case "image", "video", "document":
		if typ == "list" {
			return invalidParam("Param interactive.header.type must be text for a list")
		}
		media, err := header.obj(ht, true)
		if err != nil {
			return err
		}
		return validateMedia(media, false)
	}
	return invalidParam("Param interactive.header.type %q is not valid", ht)
}

func validateButtons(action jobj) *Error {
	buttons, err := action.list("buttons", true)
	if err != nil {
		return err
	}
	if len(buttons) < 1 || len(buttons) > maxButtons {
		return invalidValue("Buttons count invalid. Min: 1, Max: %d, got %d", maxButtons, len(buttons))
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	l := jobj{m: action.m, path: action.name("buttons")}
	for i := range buttons {
		b, err := l.item(buttons, i)
		if err != nil {
			return err
		}
		if t, err := b.str("type", true); err != nil {
			return err
		} else if t != "reply" {
			return invalidParam("Param %s.type must be \"reply\"", b.path)
		}
		r, err := b.obj("reply", true)
		if err != nil {
			return err
		}
		id, err := r.textLimit("id", true, maxButtonID, invalidValue)
		if err != nil {
			return err
		}
		title, err := r.textLimit("title", true, maxButtonTitle, invalidValue)
		if err != nil {
			return err
		}
		if ids[id] || titles[title] {
			return invalidValue("Button ids and titles must be unique (%s)", b.path)
		}
		ids[id], titles[title] = true, true
	}
	return nil
}

func validateList(action jobj) *Error {
	if _, err := action.textLimit("button", true, maxListButton, invalidValue); err != nil {
		return err
	}
	sections, err := action.list("sections", true)
	if err != nil {
		return err
	}
	if len(sections) < 1 || len(sections) > maxSections {
		return invalidValue("Sections count invalid. Min: 1, Max: %d, got %d", maxSections, len(sections))
	}
	rows, ids := 0, map[string]bool{}
	sl := jobj{m: action.m, path: action.name("sections")}
	for i := range sections {
		s, err := sl.item(sections, i)
		if err != nil {
			return err
		}
		if _, err := s.textLimit("title", len(sections) > 1, maxSectionTitle, invalidValue); err != nil {
			return err
		}
		rowList, err := s.list("rows", true)
		if err != nil {
			return err
		}
		rl := jobj{m: s.m, path: s.name("rows")}
		for j := range rowList {
			r, err := rl.item(rowList, j)
			if err != nil {
				return err
			}
			id, err := r.textLimit("id", true, maxRowID, invalidValue)
			if err != nil {
				return err
			}
			if ids[id] {
				return invalidValue("Row ids must be unique (%s)", r.path)
			}
			ids[id] = true
			if _, err := r.textLimit("title", true, maxRowTitle, invalidValue); err != nil {
				return err
			}
			if _, err := r.textLimit("description", false, maxRowDesc, invalidValue); err != nil {
				return err
			}
			rows++
		}
	}
	if rows < 1 || rows > maxRows {
		return invalidValue("Total row count invalid. Min: 1, Max: %d, got %d", maxRows, rows)
	}
	return nil
}

func validateTemplate(t jobj) *Error {
	if _, err := t.str("name", true); err != nil {
		return err
	}
	lang, err := t.obj("language", true)
	if err != nil {
		return err
	}
	if _, err := lang.str("code", true); err != nil {
		return err
	}
	comps, err := t.list("components", false)
	if err != nil {
		return err
	}
	cl := jobj{m: t.m, path: t.name("components")}
	for i := range comps {
		c, err := cl.item(comps, i)
		if err != nil {
			return err
		}
		ct, err := c.str("type", true)
		if err != nil {
			return err
		}
		switch ct {
		case "header", "body", "footer":
		case "button":
			if _, err := c.str("sub_type", true); err != nil {
				return err
			}
			if !c.has("index") {
				return required(c.name("index"))
			}
		default:
			return invalidParam("Param %s.type %q is not a template component type", c.path, ct)
		}
		params, err := c.list("parameters", false)
		if err != nil {
			return err
		}
		pl := jobj{m: c.m, path: c.name("parameters")}
		for j := range params {
			p, err := pl.item(params, j)
			if err != nil {
				return err
			}
			pt, err := p.str("type", true)
			if err != nil {
				return err
			}
			if (pt == "text" || pt == "payload") && !p.has(pt) {
				return required(p.name(pt))
			}
		}
	}
	return nil
}
