package main

import (
	"net/http"
	"testing"
)

func TestRationCardStatus(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	// Typed the way citizens type it: lower case, spaces for hyphens.
	c := s.get(t, "/api/pds/v1/ration-cards/mh%2012%203344%20556").json(t)
	for k, want := range map[string]any{
		"card_number": "MH-12-3344-556", "holder_name": "Ramesh Dattatray Kale", "category": "PHH",
		"category_name": "Priority Household", "members": 5.0, "status": "active", "district_name": "Pune",
		"state_name": "Maharashtra", "last_distribution_month": "2026-05", "last_distribution_label": "May 2026",
	} {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
	if _, ok := c["status_reason"]; ok {
		t.Errorf("an active card has a status_reason: %v", c["status_reason"])
	}
	shop, _ := c["fair_price_shop"].(map[string]any)
	if shop["shop_id"] != "FPS-PUN-02" || shop["pincode"] != "411011" || shop["name"] == "" {
		t.Errorf("fair_price_shop %v", shop)
	}
	// 5 persons at 5 kg, three fifths wheat in Maharashtra.
	grain := list(t, c, "entitlement")
	if len(grain) != 2 || grain[0]["commodity"] != "Wheat" || grain[0]["quantity_kg"] != 15.0 || grain[1]["quantity_kg"] != 10.0 {
		t.Errorf("entitlement %v", grain)
	}

	suspended := s.get(t, "/api/pds/v1/ration-cards/WB-01-3318-644").json(t)
	if suspended["status"] != "suspended" || suspended["status_reason"] == nil || suspended["last_distribution_month"] != "2025-11" {
		t.Errorf("a suspended card: %v", suspended)
	}
	aay := list(t, s.get(t, "/api/pds/v1/ration-cards/OD-18-5081-327").json(t), "entitlement")
	if len(aay) != 1 || aay[0]["commodity"] != "Rice" || aay[0]["quantity_kg"] != 35.0 {
		t.Errorf("an AAY card in Odisha gets 35 kg of rice: %v", aay)
	}

	wantError(t, s.get(t, "/api/pds/v1/ration-cards/MH-12-0000-000"), http.StatusNotFound, "CARD_NOT_FOUND", "card_number")
	wantError(t, s.get(t, "/api/pds/v1/ration-cards/AB12"), http.StatusBadRequest, "BAD_INPUT", "card_number")
	wantError(t, s.get(t, "/api/pds/v1/ration-cards/MH-12-3344-556;drop"), http.StatusBadRequest, "BAD_INPUT", "card_number")
}

func TestEveryCardsShopIsInTheShopTable(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, c := range s.world.cards {
		if c.Shop.District != c.District.Name {
			t.Errorf("card %s of %s draws from a shop in %s", c.Number, c.District.Name, c.Shop.District)
		}
	}
}
