package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// WABAObject is the only envelope "object" value WhatsApp webhooks carry.
const WABAObject = "whatsapp_business_account"

// maxProblems bounds Notification.Problems so a hostile body cannot make the
// event log row arbitrarily large.
const maxProblems = 100

// ErrNotWhatsApp is wrapped by Parse's error for a body that is JSON but not a
// WhatsApp webhook envelope.
var ErrNotWhatsApp = errors.New("not a WhatsApp webhook envelope")

// Parse decodes a webhook POST body (after VerifySignature). It walks every
// entry, every change and every message, status and error in them.
//
// It returns an error only when the body is not JSON or not a WhatsApp
// envelope (object "whatsapp_business_account"); the caller answers 400 then.
// Anything else it does not understand (another webhook field, an unknown
// message type or status value, a field of the wrong type) is skipped or
// mapped to an unsupported input and described in Notification.Problems.
//
// The body is validated once; after that it is walked without decoding more
// than the values Parse reads.
func Parse(body []byte) (*Notification, error) {
	start := skipSpace(body, 0)
	if !json.Valid(body) || body[start] != '{' {
		return nil, rejectBody(body)
	}
	p := &parser{n: &Notification{}}
	top := p.doc.index(body[start:])
	root, _ := p.parseObject(&top, "body")
	var object json.RawMessage
	if n := root.get("object"); n != nil {
		object = p.doc.val(n)
	}
	if !isWABA(object) {
		return nil, fmt.Errorf("whatsapp: webhook \"object\" is %s, want %q: %w", script.Clip(string(object), 40), WABAObject, ErrNotWhatsApp)
	}
	for i, raw := range root.list("entry") {
		p.entry("entry["+strconv.Itoa(i)+"]", raw)
	}
	if p.dropped > 0 {
		p.n.Problems = append(p.n.Problems, fmt.Sprintf("%d more problems not listed", p.dropped))
	}
	return p.n, nil
}

// rejectBody words the error for a body that is not a JSON object.
func rejectBody(body []byte) error {
	var top map[string]json.RawMessage
	err := json.Unmarshal(body, &top)
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("whatsapp: webhook body is not JSON (offset %d): %v", syn.Offset, err)
	case err != nil:
		return fmt.Errorf("whatsapp: webhook body is not a JSON object: %w", ErrNotWhatsApp)
	}
	return fmt.Errorf("whatsapp: webhook body is null: %w", ErrNotWhatsApp)
}

// isWABA reports whether raw is the JSON string "whatsapp_business_account".
func isWABA(raw json.RawMessage) bool {
	if len(raw) == 0 || raw[0] != '"' {
		return false
	}
	s, _ := scalarText(raw)
	return s == WABAObject
}

// parser carries the indexed body, the notification being built and the
// problem list.
type parser struct {
	doc     doc
	n       *Notification
	dropped int
}

func (p *parser) problem(path, format string, args ...any) {
	if len(p.n.Problems) >= maxProblems {
		p.dropped++
		return
	}
	p.n.Problems = append(p.n.Problems, path+": "+fmt.Sprintf(format, args...))
}

// change is the routing context shared by everything in one change value.
type change struct {
	wabaID, phoneNumberID, displayPhone string
	contacts                            []contactInfo
}

type contactInfo struct {
	waID, userID, name, username string
}

func (p *parser) entry(path string, raw node) {
	e, ok := p.object(raw, path)
	if !ok {
		return
	}
	wabaID := e.str("id")
	for i, rc := range e.list("changes") {
		p.change(at(path, "changes", i), wabaID, rc)
	}
}

var knownValueKeys = map[string]bool{
	"messaging_product": true, "metadata": true, "contacts": true,
	"messages": true, "statuses": true, "errors": true,
}

func (p *parser) change(path, wabaID string, raw node) {
	c, ok := p.object(raw, path)
	if !ok {
		return
	}
	if field := c.str("field"); field != "messages" {
		p.problem(path, "webhook field %q not handled", script.Clip(field, 60))
		return
	}
	v := c.child("value")
	if !v.present() {
		p.problem(path, "no value")
		return
	}
	if mp := v.str("messaging_product"); mp != "" && mp != "whatsapp" {
		p.problem(v.path, "messaging_product is %q", script.Clip(mp, 30))
	}
	for _, k := range v.unknownKeys(knownValueKeys) {
		p.problem(v.path, "unknown key %q skipped", script.Clip(k, 40))
	}
	meta := v.child("metadata")
	ch := change{wabaID: wabaID, phoneNumberID: meta.str("phone_number_id"), displayPhone: meta.str("display_phone_number")}
	if ch.phoneNumberID == "" {
		p.problem(v.path, "metadata.phone_number_id missing")
	}
	for i, rc := range v.list("contacts") {
		co, ok := p.object(rc, at(v.path, "contacts", i))
		if !ok {
			continue
		}
		prof := co.child("profile")
		ch.contacts = append(ch.contacts, contactInfo{
			waID: co.str("wa_id"), userID: co.str("user_id"),
			name: prof.str("name"), username: prof.str("username"),
		})
	}
	for i, rm := range v.list("messages") {
		p.message(at(v.path, "messages", i), &ch, rm)
	}
	for i, rs := range v.list("statuses") {
		p.status(at(v.path, "statuses", i), &ch, rs)
	}
	for i, re := range v.list("errors") {
		if eo, ok := p.object(re, at(v.path, "errors", i)); ok {
			p.n.Errors = append(p.n.Errors, eo.apiError())
		}
	}
}

func (p *parser) message(path string, ch *change, raw node) {
	o, ok := p.object(raw, path)
	if !ok {
		return
	}
	m := Message{
		PhoneNumberID:      ch.phoneNumberID,
		DisplayPhoneNumber: ch.displayPhone,
		WABAID:             ch.wabaID,
		WAMID:              o.str("id"),
		WaID:               o.str("from"),
		UserID:             o.str("from_user_id"),
		Type:               o.str("type"),
		Raw:                bytes.Clone(p.doc.val(&raw)), // not the caller's buffer
	}
	if m.WAMID == "" {
		p.problem(path, "message without id skipped")
		return
	}
	if c, ok := ch.match(m.WaID, m.UserID); ok {
		if m.WaID == "" {
			m.WaID = c.waID
		}
		if m.UserID == "" {
			m.UserID = c.userID
		}
		m.ProfileName, m.Username = c.name, c.username
	}
	if m.WaID == "" && m.UserID == "" && m.Type != "system" {
		p.problem(path, "message has neither from nor from_user_id")
	}
	m.Timestamp = o.time("timestamp")
	m.Context = o.messageContext()
	m.Referral = o.referral()
	for _, re := range o.list("errors") {
		if eo, ok := p.object(re, path+".errors"); ok {
			m.Errors = append(m.Errors, eo.apiError())
		}
	}
	m.Input = p.input(&m, o)
	p.n.Messages = append(p.n.Messages, m)
}

func (ch *change) match(waID, userID string) (contactInfo, bool) {
	for _, c := range ch.contacts {
		if (waID != "" && c.waID == waID) || (userID != "" && c.userID == userID) {
			return c, true
		}
	}
	return contactInfo{}, false
}

func (p *parser) status(path string, ch *change, raw node) {
	o, ok := p.object(raw, path)
	if !ok {
		return
	}
	s := Status{
		PhoneNumberID:         ch.phoneNumberID,
		DisplayPhoneNumber:    ch.displayPhone,
		WABAID:                ch.wabaID,
		WAMID:                 o.str("id"),
		Status:                o.str("status"),
		Timestamp:             o.time("timestamp"),
		RecipientID:           o.str("recipient_id"),
		RecipientUserID:       o.str("recipient_user_id"),
		BizOpaqueCallbackData: o.str("biz_opaque_callback_data"),
		Raw:                   bytes.Clone(p.doc.val(&raw)),
	}
	if s.WAMID == "" {
		p.problem(path, "status without id skipped")
		return
	}
	if StatusRank(s.Status) == 0 {
		p.problem(path, "unknown status value %q", script.Clip(s.Status, 30))
	}
	if pr := o.child("pricing"); pr.present() {
		s.Pricing = &Pricing{
			Category: pr.str("category"), Type: pr.str("type"),
			PricingModel: pr.str("pricing_model"), Billable: pr.boolean("billable"),
		}
	}
	if cv := o.child("conversation"); cv.present() {
		s.Conversation = &Conversation{
			ID: cv.str("id"), OriginType: cv.child("origin").str("type"),
			Expiration: cv.time("expiration_timestamp"),
		}
	}
	for _, re := range o.list("errors") {
		if eo, ok := p.object(re, path+".errors"); ok {
			s.Errors = append(s.Errors, eo.apiError())
		}
	}
	p.n.Statuses = append(p.n.Statuses, s)
}

// obj is a JSON object read leniently: a missing key reads as the zero value,
// a key of the wrong type reads as the zero value and is noted as a problem.
type obj struct {
	members []node // the object's members, in order
	ok      bool   // the value was an object (maybe empty)
	path    string
	p       *parser
}

func (p *parser) object(raw node, path string) (obj, bool) {
	o, ok := p.parseObject(&raw, path)
	if !ok {
		p.problem(path, "not a JSON object")
	}
	return o, ok
}

// parseObject reads n as an object; a value that is not an object gives an
// absent obj.
func (p *parser) parseObject(n *node, path string) (obj, bool) {
	if p.doc.text[n.val.start] != '{' {
		return obj{path: path, p: p}, false
	}
	return obj{members: p.doc.kids(n), ok: true, path: path, p: p}, true
}

func (o obj) present() bool { return o.ok }

// get returns the member key, null included, or nil. Like encoding/json,
// the last of duplicate keys wins.
func (o obj) get(key string) *node {
	for i := len(o.members) - 1; i >= 0; i-- {
		if string(o.p.doc.key(&o.members[i])) == key {
			return &o.members[i]
		}
	}
	return nil
}

// member returns the member key, or nil when it is missing or null.
func (o obj) member(key string) *node {
	n := o.get(key)
	if n == nil || o.p.doc.text[n.val.start] == 'n' { // null: the only value starting with n
		return nil
	}
	return n
}

func (o obj) raw(key string) (json.RawMessage, bool) {
	if n := o.member(key); n != nil {
		return o.p.doc.val(n), true
	}
	return nil, false
}

// unknownKeys returns the keys not in known, sorted, each once.
func (o obj) unknownKeys(known map[string]bool) []string {
	var keys []string
	for i := range o.members {
		if k := o.p.doc.key(&o.members[i]); !known[string(k)] {
			keys = append(keys, string(k))
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func isNull(r json.RawMessage) bool {
	return len(r) == 0 || string(bytes.TrimSpace(r)) == "null"
}

func (o obj) wrong(key, want string) {
	o.p.problem(o.path+"."+key, "not %s", want)
}

// child returns the object under key; missing, null or not an object gives
// an absent obj (the last also a problem).
func (o obj) child(key string) obj {
	path := o.path + "." + key
	n := o.member(key)
	if n == nil {
		return obj{path: path, p: o.p}
	}
	c, ok := o.p.parseObject(n, path)
	if !ok {
		o.wrong(key, "an object")
	}
	return c
}

func (o obj) list(key string) []node {
	n := o.member(key)
	if n == nil {
		return nil
	}
	if o.p.doc.text[n.val.start] != '[' {
		o.wrong(key, "an array")
		return nil
	}
	return o.p.doc.kids(n)
}

// str reads a string; a JSON number is accepted and kept as written.
func (o obj) str(key string) string {
	r, ok := o.raw(key)
	if !ok {
		return ""
	}
	s, ok := scalarText(r)
	if !ok {
		o.wrong(key, "a string")
	}
	return s
}

// scalarText returns a JSON string's value or a JSON number's literal.
func scalarText(r json.RawMessage) (string, bool) {
	r = bytes.TrimSpace(r)
	if len(r) >= 2 && r[0] == '"' && r[len(r)-1] == '"' && bytes.IndexByte(r, '\\') < 0 && utf8.Valid(r) {
		// Fast path: a string without escapes (checked valid by the caller's decode).
		return string(r[1 : len(r)-1]), true
	}
	var s string
	if err := json.Unmarshal(r, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(r, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

func (o obj) number(key string) (float64, bool) {
	r, ok := o.raw(key)
	if !ok {
		return 0, false
	}
	s, ok := scalarText(r)
	if ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err == nil {
			return f, true
		}
	}
	o.wrong(key, "a number")
	return 0, false
}

func (o obj) integer(key string) int {
	f, ok := o.number(key)
	if !ok || f != float64(int(f)) {
		return 0
	}
	return int(f)
}

func (o obj) boolean(key string) bool {
	r, ok := o.raw(key)
	if !ok {
		return false
	}
	switch string(r) {
	case "true":
		return true
	case "false":
		return false
	}
	if s, ok := scalarText(r); ok && (s == "true" || s == "false") {
		return s == "true"
	}
	o.wrong(key, "a boolean")
	return false
}

// time reads a Unix timestamp written as a string or a number. Values of
// 1e12 and above are milliseconds (Meta has sent those on occasion).
func (o obj) time(key string) time.Time {
	r, ok := o.raw(key)
	if !ok {
		return time.Time{}
	}
	t, ok := parseUnix(r)
	if !ok {
		o.wrong(key, "a Unix timestamp")
	}
	return t
}

func parseUnix(r json.RawMessage) (time.Time, bool) {
	s, ok := scalarText(r)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f < 0 || f > 1e18 {
			return time.Time{}, false
		}
		n = int64(f)
	}
	if n <= 0 {
		return time.Time{}, false
	}
	var t time.Time
	if n >= 1e12 {
		t = time.UnixMilli(n).UTC()
	} else {
		t = time.Unix(n, 0).UTC()
	}
	if t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func (o obj) apiError() APIError {
	return APIError{
		Code:    o.integer("code"),
		Title:   o.str("title"),
		Message: o.str("message"),
		Details: o.child("error_data").str("details"),
		Href:    o.str("href"),
	}
}

func (o obj) messageContext() *MessageContext {
	c := o.child("context")
	if !c.present() {
		return nil
	}
	mc := &MessageContext{
		From: c.str("from"), ID: c.str("id"),
		Forwarded: c.boolean("forwarded"), FrequentlyForwarded: c.boolean("frequently_forwarded"),
	}
	if rp := c.child("referred_product"); rp.present() {
		mc.ReferredProduct = &ReferredProduct{CatalogID: rp.str("catalog_id"), ProductRetailerID: rp.str("product_retailer_id")}
	}
	return mc
}

func (o obj) referral() *Referral {
	r := o.child("referral")
	if !r.present() {
		return nil
	}
	return &Referral{
		SourceURL: r.str("source_url"), SourceID: r.str("source_id"), SourceType: r.str("source_type"),
		Body: r.str("body"), Headline: r.str("headline"), MediaType: r.str("media_type"),
		ImageURL: r.str("image_url"), VideoURL: r.str("video_url"), ThumbnailURL: r.str("thumbnail_url"),
		CTWAClickID: r.str("ctwa_clid"), WelcomeMessage: r.child("welcome_message").str("text"),
	}
}

// at names element i of the list key under path: "path.key[i]".
func at(path, key string, i int) string {
	return path + "." + key + "[" + strconv.Itoa(i) + "]"
}
