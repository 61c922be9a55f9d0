package main

import "net/http"

// The ration card registry answers a card's status, as a state's food and
// civil supplies department would: the holder, the category under the
// National Food Security Act, the family's size, the fair-price shop the card
// is attached to, and the last month grain was drawn. Applications for new
// cards are taken by the flows themselves, not by this registry.

var categoryNames = map[string]string{
	"AAY":  "Antyodaya Anna Yojana",
	"PHH":  "Priority Household",
	"NPHH": "Non-Priority Household",
}

// wheatShare is the part of the grain a state gives as wheat (or atta); the
// rest is rice.
var wheatShare = map[string]float64{"MH": 0.6, "WB": 0.4, "OD": 0, "TN": 0}

type grain struct {
	Commodity  string `json:"commodity"`
	QuantityKg int    `json:"quantity_kg"`
	PricePerKg int    `json:"price_per_kg"`
}

// entitlement is a card's monthly grain when active: 35 kg a family for AAY,
// 5 kg a person for PHH, free of cost; non-priority cards get grain only where
// the state gives it to all (Tamil Nadu: 20 kg of rice).
func entitlement(c *rationCard) []grain {
	total := 0
	switch c.Category {
	case "AAY":
		total = 35
	case "PHH":
		total = 5 * c.Members
	case "NPHH":
		if c.District.State.Code == "TN" {
			total = 20
		}
	}
	out := []grain{}
	wheat := int(float64(total)*wheatShare[c.District.State.Code] + 0.5)
	if wheat > 0 {
		out = append(out, grain{"Wheat", wheat, 0})
	}
	if total-wheat > 0 {
		out = append(out, grain{"Rice", total - wheat, 0})
	}
	return out
}

func (s *server) rationRoutes() {
	s.mux.HandleFunc("GET /api/pds/v1/ration-cards/{card_number}", s.rationCard)
}

func (s *server) rationCard(w http.ResponseWriter, r *http.Request) {
	key := normalID(r.PathValue("card_number"))
	if len(key) < 6 || len(key) > 20 {
		badInput(w, "card_number", "card_number must be the number on the first page of the card, like MH-12-3344-556")
		return
	}
	c := s.world.cards[key]
	if c == nil {
		writeError(w, http.StatusNotFound, "CARD_NOT_FOUND", "card_number", "no ration card with this number")
		return
	}
	last := s.today.AddDate(0, -c.LastMonthsAgo, 1-s.today.Day())
	sh := c.Shop
	out := map[string]any{
		"card_number":             c.Number,
		"state_name":              c.District.State.Name,
		"district_name":           c.District.Name,
		"holder_name":             c.Holder,
		"category":                c.Category,
		"category_name":           categoryNames[c.Category],
		"members":                 c.Members,
		"status":                  c.Status,
		"last_distribution_month": last.Format("2006-01"),
		"last_distribution_label": last.Format("January 2006"),
		"issued_on":               c.IssuedOn,
		"entitlement":             entitlement(c),
		"fair_price_shop": map[string]any{
			"shop_id": sh.ID, "name": sh.Name, "dealer": sh.Dealer, "address": sh.Address, "pincode": sh.Pincode,
			"district": sh.District, "hours": sh.Hours, "latitude": sh.Lat, "longitude": sh.Long,
		},
	}
	if c.StatusReason != "" {
		out["status_reason"] = c.StatusReason
	}
	writeJSON(w, http.StatusOK, out)
}
