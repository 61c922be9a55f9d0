package pipeline

import (
	"time"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
)

// Integration is one WhatsApp business number at run time: the engine that
// answers its citizens and the client that sends for it.
type Integration struct {
	ID            string
	PhoneNumberID string
	Engine        *engine.Engine
	Client        *whatsapp.Client
	// SessionDuration ends a conversation left quiet this long.
	SessionDuration time.Duration
	// Attachments downloads and keeps the files citizens send, refusing
	// those over MaxMediaBytes.
	Attachments   bool
	MaxMediaBytes int64
}
