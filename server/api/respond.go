package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// Problem is the body of every error answer.
type Problem struct {
	Error ProblemDetail `json:"error"`
}

// ProblemDetail says what was wrong: the field (a JSON path or a query
// parameter, when one is to blame) and why.
type ProblemDetail struct {
	Status int    `json:"status"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// writeError answers a problem.
func writeError(w http.ResponseWriter, status int, field, reason string) {
	writeJSON(w, status, Problem{Error: ProblemDetail{Status: status, Field: field, Reason: reason}})
}

// fieldError is a 400 that names the field at fault.
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return "api: " + e.field + ": " + e.reason }

// badField makes a 400 for field.
func badField(field, format string, args ...any) error {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// writeFieldError answers err as a 400 when it names a field, else as a
// 500 whose detail goes only to the log.
func (a *API) writeFieldError(w http.ResponseWriter, err error) {
	var fe *fieldError
	if errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.field, fe.reason)
		return
	}
	a.log.Error("api: request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "", "the request failed on our side; it has been logged")
}

// decode reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over maxBody. It answers the 400 itself and returns false
// when the body is not acceptable.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "", "the body must be JSON (Content-Type: application/json), not "+ct)
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		field, reason := describeJSONError(err)
		writeError(w, http.StatusBadRequest, field, reason)
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "", "the body holds more than one JSON value")
		return false
	}
	return true
}

// describeJSONError turns a decoding error into a field and a reason.
func describeJSONError(err error) (field, reason string) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "", "the body is empty; a JSON object is expected"
	case errors.As(err, &syn):
		return "", fmt.Sprintf("the body is not valid JSON (at byte %d): %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return typ.Field, fmt.Sprintf("must be %s, not %s", typ.Type.String(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return name, "is not a field of this request"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "", fmt.Sprintf("the body is cut short or over %d bytes", maxBody)
	}
	return "", "the body could not be read: " + err.Error()
}
