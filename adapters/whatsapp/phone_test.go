package whatsapp

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

func TestPhoneNumber(t *testing.T) {
	t.Parallel()
	_, c := startFake(t, graphsim.Options{DisplayPhoneNumber: "919800011111"})
	got, err := c.PhoneNumber(context.Background())
	if err != nil || got.ID != testPhoneID || got.DisplayPhoneNumber != "919800011111" || got.VerifiedName == "" {
		t.Fatalf("phone number = %+v, %v", got, err)
	}
	c.AccessToken = "wrong-token-0123456789"
	_, err = c.PhoneNumber(context.Background())
	var ge *GraphError
	if !errors.As(err, &ge) || strings.Contains(err.Error(), "wrong-token") {
		t.Fatalf("a wrong token: %v, want a GraphError without the token", err)
	}
	c.PhoneNumberID = ""
	if _, err := c.PhoneNumber(context.Background()); err == nil {
		t.Fatal("no phone number id: no error")
	}
}
