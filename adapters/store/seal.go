package store

import (
	"crypto/rand"
	"errors"
)

// Access tokens are sealed with AES-GCM under Options.SecretKey before they
// are stored (SetAccessToken) and opened only by AccessToken: a format
// byte, a fresh nonce, then the ciphertext, bound to the integration id so
// that a ciphertext cannot be moved to another integration.

const tokenFormatV1 = 1

// seal encrypts a token: a format byte, the nonce, then the ciphertext.
func (s *Store) seal(integration, token string) ([]byte, error) {
	if s.aead == nil {
		return nil, ErrNoSecretKey
	}
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(token)+s.aead.Overhead())
	out[0] = tokenFormatV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], []byte(token), tokenAAD(integration)), nil
}

func (s *Store) unseal(integration string, sealed []byte) (string, error) {
	if s.aead == nil {
		return "", ErrNoSecretKey
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != tokenFormatV1 {
		return "", errors.New("stored token has an unknown format")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], tokenAAD(integration))
	if err != nil {
		// Never say more: the error must not help anyone guess.
		return "", errors.New("stored token cannot be decrypted with the configured secret key")
	}
	return string(plain), nil
}

func tokenAAD(integration string) []byte {
	return []byte("samvad/integration/" + integration + "/access_token")
}
