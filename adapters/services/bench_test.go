package services

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// The overhead of a declared HTTP operation over a bare net/http call:
// building the request from expressions, the redirect and size checks,
// decoding, outcomes and the result mapping (the bare call decodes the
// JSON too, as any client would). Both run twice: against the fake API on
// 127.0.0.1, and against a transport that answers in process, which takes
// the network's noise out of the difference.
//
//	go test ./adapters/services -run '^$' -bench HTTPOperation -cpu 1 -count 5
func BenchmarkHTTPOperation(b *testing.B) {
	r, _ := loadPensions(b)
	c := r.bound["pensions"]
	loopback := c.client.Transport
	canned := cannedTransport(`{"status":"active","monthly_amount":3000,"holder":{"name":"Kamala Devi"},"ppo":"MH201904"}`)
	for _, tr := range []struct {
		name string
		rt   http.RoundTripper
	}{{"loopback", loopback}, {"in-process", canned}} {
		b.Run("declared/"+tr.name, func(b *testing.B) {
			c.client.Transport = tr.rt
			defer func() { c.client.Transport = loopback }()
			args := map[string]any{"ppo": "MH201904", "lang": "hi"}
			b.ReportAllocs()
			for b.Loop() {
				res, err := r.Call(context.Background(), "pension.status", args)
				if err != nil || res["status"] != "active" {
					b.Fatal(res, err)
				}
			}
		})
		b.Run("bare/"+tr.name, func(b *testing.B) {
			client := &http.Client{Transport: tr.rt}
			url := c.base.String() + "v1/pensions/MH201904?lang=hi"
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var v map[string]any
				if err := json.Unmarshal(body, &v); err != nil || v["status"] != "active" {
					b.Fatal(err)
				}
			}
		})
	}
}

// cannedTransport answers every request with body, as JSON, in process.
type cannedTransport string

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader([]byte(t))), Request: r}, nil
}
