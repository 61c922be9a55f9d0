package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"time"
)

// ErrorClass says what a sender should do with a failed call.
type ErrorClass uint8

const (
	// Permanent: sending the same request again will fail again. Record the
	// reason (Meaning) and give up, or change the message (a template instead
	// of free text outside the 24-hour window).
	Permanent ErrorClass = iota
	// Retryable: a transient condition (server error, timeout, throttling).
	// Retry later with backoff, using RetryAfter as the minimum wait.
	Retryable
)

func (c ErrorClass) String() string {
	if c == Retryable {
		return "retryable"
	}
	return "permanent"
}

// GraphError is an error answer of the Graph API, decoded from its body:
// {"error":{"message","type","code","error_subcode","error_data":{"details"},"fbtrace_id"}}.
type GraphError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
	FBTraceID  string
	// retryAfter is the Retry-After header of the answer, if any.
	retryAfter time.Duration
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("whatsapp: graph error %d (HTTP %d): %s", e.Code, e.HTTPStatus, e.Message)
	if e.Details != "" {
		s += ": " + e.Details
	}
	if e.FBTraceID != "" {
		s += " [fbtrace_id " + e.FBTraceID + "]"
	}
	return s
}

// Class classifies the error by its Graph error code, because Meta documents
// its throttling codes with HTTP 400. Any HTTP 429 is throttling whatever the
// code. Codes not listed fall back on the HTTP status: 5xx is retryable,
// anything else permanent.
func (e *GraphError) Class() ErrorClass {
	if e.HTTPStatus == 429 {
		return Retryable
	}
	if c, ok := codeClass(e.Code); ok && !(e.Code == 0 && e.HTTPStatus >= 500) {
		return c
	}
	if e.HTTPStatus >= 500 {
		return Retryable
	}
	return Permanent
}

// Meaning is a plain English sentence about the error code, for the record
// an operator reads.
func (e *GraphError) Meaning() string { return meaning(e.Code) }

// RetryAfter is the least time to wait before retry number attempt (0 for the
// first retry), where the contract gives one: 4^attempt seconds for the pair
// rate limit (131056), a minute for maintenance mode (131057), the answer's
// Retry-After header when it had one. Zero means "no hint: use your own
// backoff". Permanent errors return zero too.
func (e *GraphError) RetryAfter(attempt int) time.Duration {
	if e.Class() != Retryable {
		return 0
	}
	hint := codeRetryHint(e.Code, attempt)
	return max(hint, e.retryAfter)
}

func codeRetryHint(code, attempt int) time.Duration {
	switch code {
	case 131056:
		attempt = min(max(attempt, 0), 6) // 4^6 s ≈ 68 min is plenty
		return time.Duration(math.Pow(4, float64(attempt))) * time.Second
	case 131057:
		return time.Minute
	case 130429:
		return time.Second
	case 131048:
		return time.Minute
	}
	return 0
}

// TransportError is a call that got no answer from the Graph API: a timeout,
// a refused connection, a cancelled context. It is always Retryable. Note
// that a send which timed out may still have been delivered: the Cloud API
// has no idempotency key.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "whatsapp: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the underlying network or context error.
func (e *TransportError) Unwrap() error { return e.Err }

// Class is always Retryable.
func (e *TransportError) Class() ErrorClass { return Retryable }

// Timeout reports whether the call ran out of time.
func (e *TransportError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &ne) && ne.Timeout())
}

// InvalidMessageError is an outgoing message refused before it was sent
// because Meta would reject it (a limit exceeded, a required field missing).
// It is Permanent.
type InvalidMessageError struct {
	Field  string
	Reason string
}

func (e *InvalidMessageError) Error() string {
	return "whatsapp: invalid message: " + e.Field + ": " + e.Reason
}

// Class is always Permanent.
func (e *InvalidMessageError) Class() ErrorClass { return Permanent }

// Classify returns the class of any error returned by Client: a GraphError
// by its code, a TransportError (and any context or network error) as
// Retryable, everything else as Permanent.
func Classify(err error) ErrorClass {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Class()
	}
	var c interface{ Class() ErrorClass }
	if errors.As(err, &c) {
		return c.Class()
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, &ne) {
		return Retryable
	}
	return Permanent
}

// RetryAfter returns the minimum wait before retry number attempt for any
// error returned by Client (see GraphError.RetryAfter); zero when there is
// no hint.
func RetryAfter(err error, attempt int) time.Duration {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.RetryAfter(attempt)
	}
	return 0
}

// retryableCodes and permanentCodes list the Graph codes the contract
// classifies; 132xxx template errors and 133xxx registration errors are
// handled by range in codeClass.
var retryableCodes = map[int]bool{
	1: true, 2: true, 4: true, 80007: true, 130429: true, 131000: true, 131016: true,
	131048: true, 131053: true, 131056: true, 131057: true, 133004: true, 132069: true,
}

var permanentCodes = map[int]bool{
	0: true, 3: true, 10: true, 100: true, 190: true, 368: true,
	130472: true, 130497: true, 131008: true, 131009: true, 131021: true, 131026: true,
	131031: true, 131037: true, 131042: true, 131045: true, 131047: true, 131049: true,
	131050: true, 131051: true, 131052: true, 131060: true, 131062: true, 135000: true,
}

func codeClass(code int) (ErrorClass, bool) {
	switch {
	case retryableCodes[code]:
		return Retryable, true
	case permanentCodes[code]:
		return Permanent, true
	case code >= 200 && code <= 299: // permission errors
		return Permanent, true
	case code >= 132000 && code <= 132999: // template errors
		return Permanent, true
	case code >= 133000 && code <= 133999: // registration errors
		return Permanent, true
	}
	return Permanent, false
}

var meanings = map[int]string{
	0:      "the access token is invalid, expired or revoked; configure a new token",
	1:      "the Graph API reported an unknown error, possibly a temporary server problem",
	2:      "the Graph API service is temporarily unavailable",
	3:      "the app lacks the capability or permission for this API method",
	4:      "the app made too many API calls in the last hour; slow down",
	10:     "the access token lacks the permission for this call",
	100:    "the request has an invalid or missing parameter (a value may be too long); the message must be fixed",
	190:    "the access token has expired; refresh the token, then resend",
	368:    "the business account is temporarily blocked for policy violations",
	80007:  "the WhatsApp Business Account reached its API rate limit; retry later",
	130429: "the business number reached its messages-per-second throughput; queue and retry",
	130472: "the citizen's number is part of a Meta experiment and was not sent this message",
	130497: "the business account may not message citizens in this country",
	131000: "the Graph API failed for an unknown reason; retry a limited number of times",
	131008: "a required parameter is missing from the request",
	131009: "a parameter value is not valid (a limit or format was broken)",
	131016: "the WhatsApp service is temporarily unavailable",
	131021: "the recipient is the business number itself",
	131026: "the message could not be delivered: the number may not be on WhatsApp, or the citizen's app is too old or has not accepted the terms",
	131031: "the business account is locked",
	131037: "the business number's display name is not approved yet",
	131042: "there is a payment or eligibility problem with the business account",
	131045: "the business number's registration or certificate is not valid; register it again",
	131047: "more than 24 hours since the citizen's last message; only a template can be sent",
	131048: "messages were limited because of spam reports or low quality; slow down",
	131049: "Meta chose not to deliver this marketing message to keep the citizen's experience healthy; do not retry within 24 hours",
	131050: "the citizen stopped receiving marketing messages from this business",
	131051: "the message type is not supported",
	131052: "the media the citizen sent could not be downloaded; ask them to send it again",
	131053: "the media could not be uploaded or fetched (wrong type, or the link failed); retry or fix the media",
	131056: "too many messages to the same citizen in a short time (pair rate limit); wait before sending to them again",
	131057: "the business account is in maintenance mode (for example a throughput upgrade); retry after a minute",
	131060: "the citizen's message is not available to the business",
	131062: "this message cannot be sent to a business-scoped user id; use the phone number",
	132000: "the number of template parameters does not match the approved template",
	132001: "the template does not exist in this language or is not approved",
	132005: "the template text is too long once its parameters are filled in",
	132007: "the template content breaks the formatting policy",
	132012: "the template parameters have the wrong format (positional or named, or type)",
	132015: "the template is paused because of low quality",
	132016: "the template is permanently disabled because of low quality",
	132068: "the flow is blocked",
	132069: "the flow is throttled; retry later",
	133004: "the WhatsApp server is temporarily unavailable",
	133010: "the business number is not registered for the Cloud API",
	133016: "too many register or deregister attempts; wait 72 hours",
	135000: "the request failed because of a generic user error",
}

func meaning(code int) string {
	if code == NoCode {
		return "the answer carried no Graph error code; see the HTTP status"
	}
	if m, ok := meanings[code]; ok {
		return m
	}
	switch {
	case code >= 200 && code <= 299:
		return "the access token lacks the permission for this call"
	case code >= 132000 && code <= 132999:
		return "the template was rejected (see the error details)"
	case code >= 133000 && code <= 133999:
		return "the business number's registration has a problem (see the error details)"
	}
	return fmt.Sprintf("Graph error code %d is not known to this adapter; see the error details", code)
}
