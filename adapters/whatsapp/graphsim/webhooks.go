package graphsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// scheduleStatuses posts the configured status webhooks for an accepted send.
func (s *Server) scheduleStatuses(msg Message) {
	if s.opts.CallbackURL == "" {
		return
	}
	statuses := s.opts.Statuses
	if len(statuses) == 0 {
		statuses = []string{"sent", "delivered", "read"}
	}
	if s.opts.FailStatusCode != 0 {
		statuses = []string{"sent", "failed"}
	}
	statuses = append([]string(nil), statuses...)
	s.mu.Lock()
	if s.opts.ShuffleStatuses {
		s.rng.Shuffle(len(statuses), func(i, j int) { statuses[i], statuses[j] = statuses[j], statuses[i] })
	}
	s.mu.Unlock()
	if s.opts.DuplicateStatuses {
		var twice []string
		for _, st := range statuses {
			twice = append(twice, st, st)
		}
		statuses = twice
	}
	s.wg.Add(1)
	s.posting.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.posting.Done()
		for _, st := range statuses {
			if s.opts.StatusDelay > 0 {
				select {
				case <-s.ctx.Done():
					return
				case <-time.After(s.opts.StatusDelay):
				}
			}
			if s.ctx.Err() != nil {
				return
			}
			body := s.statusBody(msg, st)
			code, err := s.PostWebhook(s.ctx, body)
			s.mu.Lock()
			s.webhooks = append(s.webhooks, Webhook{Body: body, Signature: Sign(body, s.opts.AppSecret), StatusCode: code, Err: err})
			s.mu.Unlock()
		}
	}()
}

// statusBody builds the webhook envelope for one status of msg.
func (s *Server) statusBody(msg Message, status string) []byte {
	st := map[string]any{
		"id":        msg.WAMID,
		"status":    status,
		"timestamp": strconv.FormatInt(s.opts.Now().Unix(), 10),
	}
	if msg.To != "" {
		st["recipient_id"] = digits(msg.To)
	} else {
		st["recipient_user_id"] = msg.Recipient
	}
	if msg.BizOpaque != "" {
		st["biz_opaque_callback_data"] = msg.BizOpaque
	}
	if status == "sent" || status == "delivered" {
		pricing := map[string]any{"billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
		if msg.Type == "template" {
			pricing = map[string]any{"billable": true, "pricing_model": "PMP", "type": "regular", "category": "utility"}
		}
		st["pricing"] = pricing
	}
	if status == "failed" {
		code := s.opts.FailStatusCode
		st["errors"] = []any{map[string]any{
			"code": code, "title": codeTitle(code), "message": codeTitle(code),
			"error_data": map[string]any{"details": codeTitle(code)},
			"href":       "/documentation/business-messaging/whatsapp/support/error-codes",
		}}
	}
	return s.envelope(msg.PhoneNumberID, map[string]any{"statuses": []any{st}})
}

// envelope wraps a change value in Meta's webhook envelope, encoded the way
// Meta sends it: compact JSON with every non-ASCII character \u-escaped.
func (s *Server) envelope(phoneNumberID string, value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]any{"display_phone_number": s.opts.DisplayPhoneNumber, "phone_number_id": phoneNumberID}
	b, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id":      s.opts.WABAID,
			"changes": []any{map[string]any{"value": value, "field": "messages"}},
		}},
	})
	return escapeUnicode(b)
}

// InboundText builds a webhook body carrying one text message from a
// citizen to phoneNumberID, as Meta would deliver it, and returns it with
// the message's wamid.
func (s *Server) InboundText(phoneNumberID, fromWaID, name, text string) (body []byte, wamid string) {
	s.mu.Lock()
	s.seq++
	wamid = newWAMID(fromWaID, s.seq, true)
	s.mu.Unlock()
	body = s.envelope(phoneNumberID, map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": fromWaID}},
		"messages": []any{map[string]any{
			"from": fromWaID, "id": wamid, "timestamp": strconv.FormatInt(s.opts.Now().Unix(), 10),
			"type": "text", "text": map[string]any{"body": text},
		}},
	})
	return body, wamid
}

// PostWebhook posts body to the callback URL with its X-Hub-Signature-256
// and returns the HTTP status the callback answered.
func (s *Server) PostWebhook(ctx context.Context, body []byte) (int, error) {
	if s.opts.CallbackURL == "" {
		return 0, errors.New("graphsim: no CallbackURL configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("graphsim: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", Sign(body, s.opts.AppSecret))
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("graphsim: posting webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// Sign returns the X-Hub-Signature-256 value of body under appSecret.
func Sign(body []byte, appSecret string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// escapeUnicode writes every character above U+007E as \uXXXX (lowercase
// hex, surrogate pairs beyond the BMP), as Meta's webhook bodies do.
func escapeUnicode(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r < 0x7f {
			out.WriteByte(b[0])
		} else if r >= 0x10000 {
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		} else {
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		b = b[size:]
	}
	return out.Bytes()
}

// newWAMID returns an id in the real wamid shape: base64 of
// 1c 18 <len> <phone> 15 02 00 <11 sent|12 received> 18 <len> <key> 00.
func newWAMID(phone string, seq uint64, inbound bool) string {
	dir, prefix := byte(0x11), "FAKEOUT"
	if inbound {
		dir, prefix = 0x12, "FAKEIN"
	}
	key := fmt.Sprintf("%s%0*X", prefix, 20-len(prefix), seq)
	if len(phone) > 200 {
		phone = phone[:200]
	}
	b := []byte{0x1c, 0x18, byte(len(phone))}
	b = append(b, phone...)
	b = append(b, 0x15, 0x02, 0x00, dir, 0x18, byte(len(key)))
	b = append(b, key...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}
