package graphsim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MediaFile is a file the fake serves.
type MediaFile struct {
	MimeType string
	Data     []byte
	// FileSize overrides the file_size the media info reports: 0 reports
	// len(Data), -1 omits the field.
	FileSize int64
	// Chunked serves the bytes without a Content-Length header.
	Chunked bool
}

type mediaFile = MediaFile

type mediaURL struct {
	id      string
	expires time.Time
}

// maxMediaURLs bounds the issued-URL table; when full it is emptied and old
// URLs answer 404, as expired ones do.
const maxMediaURLs = 10000

// AddMedia registers a file under a media id.
func (s *Server) AddMedia(id string, f MediaFile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = f
}

// FailMediaDownloads makes the next n fetches of a media URL answer 404, as
// an expired URL does.
func (s *Server) FailMediaDownloads(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults404 += n
}

// SetMediaHost makes the media URLs the fake issues name host instead of
// the fake's own, as a tampered lookup would ("" restores its own).
func (s *Server) SetMediaHost(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaHost = host
}

// MediaDownloads counts requests for media URLs (answered or not).
func (s *Server) MediaDownloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// MediaLookups counts GET /{version}/{media-id} requests answered.
func (s *Server) MediaLookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

func (s *Server) handleMediaInfo(w http.ResponseWriter, r *http.Request) {
	version, id := r.PathValue("version"), r.PathValue("media")
	if !versionPattern.MatchString(version) {
		writeError(w, &Error{HTTPStatus: 400, Code: 100, Message: "Unknown path components: /" + version, Details: "bad API version"})
		return
	}
	if id == s.opts.PhoneNumberID {
		s.handlePhoneNumber(w)
		return
	}
	s.mu.Lock()
	f, ok := s.media[id]
	host := r.Host
	if s.mediaHost != "" {
		host = s.mediaHost
	}
	var token string
	if ok {
		s.lookups++
		token = randomHex(16)
		if len(s.mediaURLs) >= maxMediaURLs {
			clear(s.mediaURLs)
		}
		u := mediaURL{id: id}
		if s.opts.MediaURLTTL > 0 {
			u.expires = s.opts.Now().Add(s.opts.MediaURLTTL)
		}
		s.mediaURLs[token] = u
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, &Error{HTTPStatus: 400, Code: 100, Subcode: 33,
			Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id),
			Details: "unknown media id"})
		return
	}
	sum := sha256.Sum256(f.Data)
	info := map[string]any{
		"messaging_product": "whatsapp",
		"url": fmt.Sprintf("http://%s/_media/%s?mid=%s&ext=%d&hash=%s", host, id, id,
			s.opts.Now().Add(5*time.Minute).Unix(), token),
		"mime_type": f.MimeType,
		"sha256":    base64.StdEncoding.EncodeToString(sum[:]),
		"id":        id,
	}
	switch {
	case f.FileSize > 0:
		info["file_size"] = strconv.FormatInt(f.FileSize, 10)
	case f.FileSize == 0:
		info["file_size"] = strconv.Itoa(len(f.Data)) // a string, as in Meta's example
	}
	writeJSON(w, 200, info)
}

func (s *Server) handleMediaDownload(w http.ResponseWriter, r *http.Request) {
	id, token := r.PathValue("id"), r.URL.Query().Get("hash")
	s.mu.Lock()
	u, issued := s.mediaURLs[token]
	f, exists := s.media[id]
	s.fetches++
	fail := s.faults404 > 0
	if fail {
		s.faults404--
	}
	now := s.opts.Now()
	s.mu.Unlock()
	expired := !u.expires.IsZero() && now.After(u.expires)
	if fail || !issued || u.id != id || !exists || expired {
		writeError(w, &Error{HTTPStatus: 404, Code: 100, Message: "Media URL not found or expired", Details: "request a new URL with GET /{media-id}"})
		return
	}
	w.Header().Set("Content-Type", f.MimeType)
	if !f.Chunked {
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	}
	w.WriteHeader(200)
	if f.Chunked {
		// Write in pieces and flush so the transfer is chunked.
		for i := 0; i < len(f.Data); i += 32 << 10 {
			if _, err := w.Write(f.Data[i:min(i+32<<10, len(f.Data))]); err != nil {
				return
			}
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
		return
	}
	_, _ = w.Write(f.Data)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// handlePhoneNumber answers GET /{version}/{phone-number-id}: what Meta
// says of a business number (a connection test asks it).
func (s *Server) handlePhoneNumber(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": s.opts.PhoneNumberID, "display_phone_number": s.opts.DisplayPhoneNumber,
		"verified_name": "Samvad simulator", "quality_rating": "GREEN", "code_verification_status": "VERIFIED"})
}
