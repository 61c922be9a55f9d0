package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// PhoneNumber is what the Graph API says of a business phone number.
type PhoneNumber struct {
	ID                 string `json:"id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	QualityRating      string `json:"quality_rating"`
}

// PhoneNumber asks the Graph API about the client's phone number: a test
// that the number id and the access token are right and Meta answers.
func (c *Client) PhoneNumber(ctx context.Context) (PhoneNumber, error) {
	if c.PhoneNumberID == "" {
		return PhoneNumber{}, errors.New("whatsapp: phone number: Client.PhoneNumberID is empty")
	}
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(c.PhoneNumberID)+"?fields=id,display_phone_number,verified_name,quality_rating", nil)
	if err != nil {
		return PhoneNumber{}, fmt.Errorf("whatsapp: phone number: building request: %w", c.scrub(err))
	}
	data, _, err := c.do("phone number", req, maxAnswerBytes)
	if err != nil {
		return PhoneNumber{}, err
	}
	var out PhoneNumber
	if err := json.Unmarshal(data, &out); err != nil || out.ID == "" {
		return PhoneNumber{}, fmt.Errorf("whatsapp: phone number: the answer is not a phone number: %.200s", c.scrubText(string(data)))
	}
	return out, nil
}
