package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// MaxMediaBytes is the largest file WhatsApp carries (documents, 100 MB);
// Download uses it when given no limit.
const MaxMediaBytes = 100 << 20

// ErrMediaTooLarge is wrapped by Download's error for a file over the limit.
var ErrMediaTooLarge = errors.New("media file too large")

// MediaInfo is what GET /{media-id} says about a file.
type MediaInfo struct {
	ID       string
	URL      string // valid about 5 minutes; needs the bearer token
	MimeType string
	SHA256   string
	FileSize int64 // 0 when Meta did not say
}

// MediaInfo looks up a media id (from an inbound message; valid 7 days).
func (c *Client) MediaInfo(ctx context.Context, mediaID string) (*MediaInfo, error) {
	if mediaID == "" || strings.ContainsAny(mediaID, "/?#") {
		return nil, invalid("media id", "empty or not an id")
	}
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(mediaID), nil)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: media info: building request: %w", c.scrub(err))
	}
	data, _, err := c.do("media info", req, maxAnswerBytes)
	if err != nil {
		return nil, err
	}
	var raw struct {
		ID       string          `json:"id"`
		URL      string          `json:"url"`
		MimeType string          `json:"mime_type"`
		SHA256   string          `json:"sha256"`
		FileSize json.RawMessage `json:"file_size"` // a string in Meta's example, a number elsewhere
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("whatsapp: media info: answer is not the expected JSON: %v", err)
	}
	if raw.URL == "" {
		return nil, errors.New("whatsapp: media info: answer has no url")
	}
	info := &MediaInfo{ID: raw.ID, URL: raw.URL, MimeType: raw.MimeType, SHA256: raw.SHA256}
	if s, ok := scalarText(raw.FileSize); ok && !isNull(raw.FileSize) {
		info.FileSize, _ = strconv.ParseInt(s, 10, 64)
	}
	return info, nil
}

// Download fetches a media file in the two steps Meta requires: look up the
// id, then GET the short-lived URL, both with the bearer token. A 404 on the
// URL (it expired) is answered by looking the id up again, once. Files over
// maxBytes (MaxMediaBytes when maxBytes ≤ 0) are refused as soon as their size
// is known, without reading them. mime is the file's MIME type, parameters
// kept ("audio/ogg; codecs=opus").
func (c *Client) Download(ctx context.Context, mediaID string, maxBytes int64) (data []byte, mime string, err error) {
	if maxBytes <= 0 {
		maxBytes = MaxMediaBytes
	}
	for attempt := 0; ; attempt++ {
		info, err := c.MediaInfo(ctx, mediaID)
		if err != nil {
			return nil, "", err
		}
		if info.FileSize > maxBytes {
			return nil, "", fmt.Errorf("whatsapp: media is %d bytes, limit %d: %w", info.FileSize, maxBytes, ErrMediaTooLarge)
		}
		data, mime, err := c.fetchMedia(ctx, info, maxBytes)
		var ge *GraphError
		if attempt == 0 && errors.As(err, &ge) && ge.HTTPStatus == http.StatusNotFound {
			continue
		}
		return data, mime, err
	}
}

// DefaultMediaHosts are the hosts Meta serves media files from: the URL a
// media lookup answers is on lookaside.fbsbx.com, and Meta's CDNs are
// under fbcdn.net and whatsapp.net. "*.x" means any host under x.
var DefaultMediaHosts = []string{"lookaside.fbsbx.com", "*.fbcdn.net", "*.whatsapp.net"}

// ErrMediaHost is wrapped by Download's error for a media URL on a host
// the token may not be sent to.
var ErrMediaHost = errors.New("media url is not on an allowed host")

// MediaHostAllowed tells whether a download from host (no port) may carry
// the access token: host is BaseURL's own (the token goes there with every
// call already) or matches one of MediaHosts. The URL comes from the
// lookup's answer: without this check whoever could shape that answer
// would be sent the token.
func (c *Client) MediaHostAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if b, err := url.Parse(c.baseURL()); err == nil && strings.EqualFold(b.Hostname(), host) {
		return true
	}
	hosts := c.MediaHosts
	if hosts == nil {
		hosts = DefaultMediaHosts
	}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

func (c *Client) fetchMedia(ctx context.Context, info *MediaInfo, maxBytes int64) ([]byte, string, error) {
	u, err := url.Parse(info.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", errors.New("whatsapp: download: media url is not an http(s) URL")
	}
	if u.Scheme == "http" && !strings.HasPrefix(c.BaseURL, "http://") {
		// Never send the token in clear text unless the whole client is
		// pointed at a plain-HTTP fake.
		return nil, "", errors.New("whatsapp: download: refusing a plain-http media url")
	}
	if !c.MediaHostAllowed(u.Hostname()) {
		return nil, "", fmt.Errorf("whatsapp: download: %w: %q (allowed: Meta's media hosts or the Graph API's own)", ErrMediaHost, script.Clip(u.Hostname(), 100))
	}
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: download: building request: %w", c.scrub(err))
	}
	req.Header.Set("Authorization", "Bearer "+c.AccessToken)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, "", &TransportError{Op: "download", Err: c.scrub(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := readAtMost(resp.Body, maxAnswerBytes)
		return nil, "", c.graphError(resp, data)
	}
	if resp.ContentLength > maxBytes {
		return nil, "", fmt.Errorf("whatsapp: media is %d bytes, limit %d: %w", resp.ContentLength, maxBytes, ErrMediaTooLarge)
	}
	data, err := readAtMost(resp.Body, maxBytes+1)
	if err != nil {
		return nil, "", &TransportError{Op: "download: reading", Err: c.scrub(err)}
	}
	if int64(len(data)) > maxBytes {
		return nil, "", fmt.Errorf("whatsapp: media is over %d bytes: %w", maxBytes, ErrMediaTooLarge)
	}
	mime := info.MimeType
	if mime == "" {
		mime = resp.Header.Get("Content-Type")
	}
	return data, mime, nil
}

func readAtMost(r io.Reader, n int64) ([]byte, error) { return io.ReadAll(io.LimitReader(r, n)) }
