package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
)

// The outgoing webhook's record: what the department's own system was
// sent, and what came of it, for a supervisor to see a failing receiver.

func (a *API) mountWebhooks(r *mux.Router) {
	a.route(r, http.MethodGet, "/webhook/deliveries", RoleSupervisor, a.listDeliveries)
}

// DeliveryItem is one delivery as the API shows it.
type DeliveryItem struct {
	ID          string          `json:"id"`
	Event       string          `json:"event"`
	Status      string          `json:"status"`
	Attempts    int             `json:"attempts"`
	LastError   string          `json:"last_error,omitempty"`
	Data        json.RawMessage `json:"data"`
	CreatedAt   time.Time       `json:"created_at"`
	NextAttempt *time.Time      `json:"next_attempt,omitempty"`
	DeliveredAt *time.Time      `json:"delivered_at,omitempty"`
}

// DeliveryPage is a page of deliveries, newest first.
type DeliveryPage struct {
	Items      []DeliveryItem `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// deliveryPosition is where a page of deliveries ends.
type deliveryPosition struct {
	ID int64 `json:"id"`
}

// ListDeliveries lists the webhook deliveries of p's department.
func (a *API) ListDeliveries(r *http.Request, p Principal) (DeliveryPage, error) {
	v := r.URL.Query()
	for k := range v {
		if k != "status" && k != "limit" && k != "cursor" {
			return DeliveryPage{}, badField(k, "is not a parameter of this request (it takes status, limit, cursor)")
		}
	}
	q := store.WebhookQuery{Department: p.Department, Integrations: a.integrationsOf(p), Status: v.Get("status")}
	switch q.Status {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed:
	default:
		return DeliveryPage{}, badField("status", "must be pending, delivered or failed, not %q", q.Status)
	}
	limit, err := pageLimit(v.Get("limit"))
	if err != nil {
		return DeliveryPage{}, err
	}
	q.Limit = limit
	if c := v.Get("cursor"); c != "" {
		var pos deliveryPosition
		if a.cursors.read(c, &pos) != nil {
			return DeliveryPage{}, badField("cursor", "%s", strings.TrimPrefix(errBadCursor.Error(), "api: "))
		}
		q.BeforeID = pos.ID
	}
	list, err := a.opts.Store.WebhookDeliveries(r.Context(), q)
	if err != nil {
		return DeliveryPage{}, err
	}
	page := DeliveryPage{Items: make([]DeliveryItem, len(list))}
	for i, d := range list {
		page.Items[i] = deliveryItem(d)
	}
	if len(list) == limit {
		page.NextCursor = a.cursors.make(deliveryPosition{ID: list[len(list)-1].ID})
	}
	return page, nil
}

func deliveryItem(d store.Delivery) DeliveryItem {
	it := DeliveryItem{ID: strconv.FormatInt(d.ID, 10), Event: d.Event, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, Data: d.Payload, CreatedAt: d.Created.UTC()}
	if d.Status == store.DeliveryPending {
		due := d.Due.UTC()
		it.NextAttempt = &due
	}
	if !d.Delivered.IsZero() {
		at := d.Delivered.UTC()
		it.DeliveredAt = &at
	}
	return it
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) {
	page, err := a.ListDeliveries(r, PrincipalFrom(r.Context()))
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
