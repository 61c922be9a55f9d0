package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/examples/departments/pdf"
)

func TestPropertyByIDAndSearch(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	p := s.get(t, "/api/property-tax/v1/properties/hw0207088100").json(t)
	if p["property_id"] != "HW0207088100" || p["owner_name"] != "Rohan Mehta" || p["ward"] != "H/West" || p["city"] != "Mumbai" {
		t.Errorf("property %v", p)
	}
	wantError(t, s.get(t, "/api/property-tax/v1/properties/HW0000000000"), http.StatusNotFound, "PROPERTY_NOT_FOUND", "property_id")

	search := func(query string) []string {
		var ids []string
		for _, p := range list(t, s.get(t, "/api/property-tax/v1/properties?"+query).json(t), "properties") {
			ids = append(ids, p["property_id"].(string))
		}
		return ids
	}
	for query, want := range map[string]string{
		"ward=h%20west&owner=MEHTA":        "HW0207088100",
		"ward=H/West&owner=shaikh":         "HW0203014500",
		"ward=Ward%20123&owner=sundaram":   "09-123-04617-000", // not R. Meenakshi Sundaram of ward 133
		"ward=133&owner=sundaram":          "10-133-02288-000",
		"ward=123&owner=lakshmi&city=mum":  "",
		"ward=K/West&owner=shree%20ganesh": "KW0418012000",
		"ward=N&owner=shah":                "NW0531024100",
	} {
		if got := strings.Join(search(query), ","); got != want {
			t.Errorf("%s found %q, want %q", query, got, want)
		}
	}
	wantError(t, s.get(t, "/api/property-tax/v1/properties?owner=mehta"), http.StatusBadRequest, "BAD_INPUT", "ward")
	wantError(t, s.get(t, "/api/property-tax/v1/properties?ward=123&owner=an"), http.StatusBadRequest, "BAD_INPUT", "owner")
	if r := s.get(t, "/api/property-tax/v1/properties?ward=123&owner=nobody").json(t); r["count"] != 0.0 {
		t.Errorf("a search that finds nothing: %v", r)
	}
}

func TestDuesAreCountedByHalfYear(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	// Two half-years in arrears and the current one, in Chennai: 5% education
	// cess, 10% library cess, 1% penalty a month or part of one.
	d := s.get(t, "/api/property-tax/v1/properties/10-133-02301-001/dues").json(t)
	periods := list(t, d, "periods")
	if len(periods) != 3 {
		t.Fatalf("%d half-years due, want 3: %v", len(periods), d)
	}
	first := periods[0]
	for k, want := range map[string]any{
		"period": "2025-26/H1", "label": "April to September 2025", "due_date": "2025-04-30", "property_tax": 1980.0,
		"education_cess": 99.0, "library_cess": 198.0, "penalty": 257.0, "total": 2534.0, "overdue": true,
	} {
		if first[k] != want {
			t.Errorf("first half-year %s = %v, want %v", k, first[k], want)
		}
	}
	if periods[1]["penalty"] != 139.0 || periods[2]["penalty"] != 20.0 || periods[2]["period"] != "2026-27/H1" {
		t.Errorf("7 months late and 1 month late: %v, %v", periods[1], periods[2])
	}
	if d["total"] != 7247.0 || d["penalty"] != 416.0 || d["status"] != "overdue" || d["currency"] != "INR" {
		t.Errorf("dues %v", d)
	}
	cur, _ := d["current_period"].(map[string]any)
	if cur["period"] != "2026-27/H1" || cur["due_date"] != "2026-04-30" {
		t.Errorf("current_period %v", cur)
	}
	if link, _ := d["payment_url"].(string); link != "http://127.0.0.1:8090/pay/property-tax/10-133-02301-001" {
		t.Errorf("payment_url %q", link)
	}
	// Mumbai: 8% education cess, no library cess, 2% penalty a month.
	m := s.get(t, "/api/property-tax/v1/properties/HW0203014500/dues").json(t)
	if m["property_tax"] != 3150.0 || m["education_cess"] != 252.0 || m["library_cess"] != 0.0 || m["penalty"] != 63.0 {
		t.Errorf("Mumbai dues %v", m)
	}
	paid := s.get(t, "/api/property-tax/v1/properties/10-133-02288-000/dues").json(t)
	if paid["status"] != "paid" || paid["total"] != 0.0 || paid["payment_url"] != nil || len(list(t, paid, "periods")) != 0 {
		t.Errorf("a property with nothing due: %v", paid)
	}
	wantError(t, s.get(t, "/api/property-tax/v1/properties/XX/dues"), http.StatusNotFound, "PROPERTY_NOT_FOUND", "property_id")
}

func TestBeforeTheDueDateNothingIsOverdue(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(c *Config) {
		c.Today = time.Date(2026, time.April, 10, 0, 0, 0, 0, ist)
		c.Now = func() time.Time { return time.Date(2026, time.April, 10, 9, 0, 0, 0, ist) }
	})
	d := s.get(t, "/api/property-tax/v1/properties/13-173-01156-000/dues").json(t)
	if d["status"] != "due" || d["penalty"] != 0.0 || d["total"] != 4420.0+221+442 {
		t.Errorf("dues before 30 April: %v", d)
	}
}

func TestPaymentClearsDuesAndGivesAReceipt(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const id = "10-133-02301-001"
	before := list(t, s.get(t, "/api/property-tax/v1/properties/"+id+"/payments").json(t), "payments")
	if len(before) != 2 {
		t.Fatalf("%d seeded payments, want the 2 half-years paid before the arrears", len(before))
	}
	page := s.get(t, "/pay/property-tax/"+id)
	if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(page.body, []byte("Pay ₹7,247")) || !bytes.Contains(page.body, []byte(`method="post"`)) {
		t.Fatalf("the pay page: %d %s", page.status, page.body)
	}
	paid := s.do(t, "POST", "/pay/property-tax/"+id, "")
	if paid.status != http.StatusOK || !bytes.Contains(paid.body, []byte("CHN-2627-500001")) || !bytes.Contains(paid.body, []byte("₹7,247")) {
		t.Fatalf("paying: %d %s", paid.status, paid.body)
	}
	d := s.get(t, "/api/property-tax/v1/properties/"+id+"/dues").json(t)
	if d["status"] != "paid" || d["total"] != 0.0 {
		t.Errorf("dues after paying: %v", d)
	}
	after := list(t, s.get(t, "/api/property-tax/v1/properties/"+id+"/payments").json(t), "payments")
	if len(after) != 3 || after[0]["receipt_number"] != "CHN-2627-500001" || after[0]["amount"] != 7247.0 ||
		after[0]["paid_at"] != "2026-05-14T10:30:00+05:30" || len(after[0]["periods"].([]any)) != 3 {
		t.Fatalf("payments after paying: %v", after)
	}
	receipt := s.get(t, "/api/property-tax/v1/receipts/chn-2627-500001").json(t)
	if receipt["amount"] != 7247.0 || receipt["penalty"] != 416.0 || len(list(t, receipt, "charges")) != 3 || receipt["owner_name"] != "Kavitha Ramesh" {
		t.Errorf("the receipt: %v", receipt)
	}
	doc := s.get(t, strings.TrimPrefix(after[0]["receipt_url"].(string), "http://127.0.0.1:8090"))
	if doc.status != http.StatusOK || doc.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("receipt PDF: %d %s", doc.status, doc.body)
	}
	if err := pdf.Check(doc.body); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(CHN-2627-500001)", "(Rs. 7,247)", "(Rupees Seven Thousand Two Hundred Forty Seven only)", "(Kavitha Ramesh)"} {
		if !bytes.Contains(doc.body, []byte(want)) {
			t.Errorf("the receipt PDF lacks %s", want)
		}
	}
	again := s.do(t, "POST", "/pay/property-tax/"+id, "", "Accept: application/json")
	wantError(t, again, http.StatusConflict, "NOTHING_DUE", "property_id")
	if r := s.do(t, "POST", "/pay/property-tax/"+id, ""); r.status != http.StatusConflict || !bytes.Contains(r.body, []byte("Nothing is due")) {
		t.Errorf("paying twice from the page: %d %s", r.status, r.body)
	}
}

func TestPayingByAPIAnswersJSON(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := s.do(t, "POST", "/pay/property-tax/KW0418012000", "", "Accept: application/json")
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	// 12,400 + 8% education cess, 2% penalty for one month late.
	if m["receipt_number"] != "MUM-2627-500001" || m["amount"] != 12400.0+992+248 || m["mode"] != "Online" {
		t.Errorf("payment %v", m)
	}
	wantError(t, s.do(t, "POST", "/pay/property-tax/NOPE", "", "Accept: application/json"), http.StatusNotFound, "PROPERTY_NOT_FOUND", "property_id")
	if r := s.get(t, "/pay/property-tax/NOPE"); r.status != http.StatusNotFound {
		t.Errorf("the pay page of no property: %d", r.status)
	}
}

func TestSeededReceiptsAreWholeAndDistinct(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seen := map[string]bool{}
	for _, p := range s.world.properties {
		pays := list(t, s.get(t, "/api/property-tax/v1/properties/"+p.ID+"/payments").json(t), "payments")
		want := p.PaidHalves
		if p.CurrentPaid {
			want++
		}
		if len(pays) != want {
			t.Errorf("%s: %d payments, want %d", p.ID, len(pays), want)
		}
		for i, pay := range pays {
			no := pay["receipt_number"].(string)
			if seen[no] {
				t.Errorf("receipt %s twice", no)
			}
			seen[no] = true
			if i > 0 && pay["paid_at"].(string) > pays[i-1]["paid_at"].(string) {
				t.Errorf("%s: payments not newest first", p.ID)
			}
			if paidAt, _ := time.Parse(time.RFC3339, pay["paid_at"].(string)); paidAt.After(testNow) {
				t.Errorf("%s: paid in the future, %v", no, paidAt)
			}
			if r := s.get(t, "/api/property-tax/v1/receipts/"+no); r.status != http.StatusOK {
				t.Errorf("receipt %s: %d", no, r.status)
			}
		}
	}
	wantError(t, s.get(t, "/api/property-tax/v1/receipts/CHN-2627-999999"), http.StatusNotFound, "RECEIPT_NOT_FOUND", "receipt_number")
	wantError(t, s.get(t, "/api/property-tax/v1/receipts/CHN-2627-999999/pdf"), http.StatusNotFound, "RECEIPT_NOT_FOUND", "receipt_number")
}

func TestHalfYears(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		day       time.Time
		id, label string
		due       string
	}{
		{time.Date(2026, 5, 14, 0, 0, 0, 0, ist), "2026-27/H1", "April to September 2026", "2026-04-30"},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, ist), "2026-27/H2", "October to March 2027", "2026-10-31"},
		{time.Date(2027, 3, 31, 0, 0, 0, 0, ist), "2026-27/H2", "October to March 2027", "2026-10-31"},
		{time.Date(1999, 4, 1, 0, 0, 0, 0, ist), "1999-00/H1", "April to September 1999", "1999-04-30"},
	} {
		p := periodOf(c.day)
		if p.id() != c.id || p.label() != c.label || p.due().Format(time.DateOnly) != c.due {
			t.Errorf("%v: %s, %s, due %v", c.day, p.id(), p.label(), p.due())
		}
	}
	for _, c := range []struct {
		a, b time.Time
		want int
	}{
		{time.Date(2026, 4, 30, 0, 0, 0, 0, ist), time.Date(2026, 4, 30, 18, 0, 0, 0, ist), 0},
		{time.Date(2026, 4, 30, 0, 0, 0, 0, ist), time.Date(2026, 5, 1, 0, 0, 0, 0, ist), 1},
		{time.Date(2026, 4, 30, 0, 0, 0, 0, ist), time.Date(2026, 5, 30, 0, 0, 0, 0, ist), 1},
		{time.Date(2026, 4, 30, 0, 0, 0, 0, ist), time.Date(2026, 5, 31, 0, 0, 0, 0, ist), 2},
		{time.Date(2025, 10, 31, 0, 0, 0, 0, ist), time.Date(2026, 5, 14, 0, 0, 0, 0, ist), 7},
	} {
		if got := monthsBetween(c.a, c.b); got != c.want {
			t.Errorf("months from %v to %v = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestRupeesInFiguresAndWords(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "₹0", 999: "₹999", 7247: "₹7,247", 123456: "₹1,23,456", 12345678: "₹1,23,45,678"} {
		if got := formatINR(n); got != want {
			t.Errorf("formatINR(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{
		0: "Zero", 15: "Fifteen", 40: "Forty", 7247: "Seven Thousand Two Hundred Forty Seven",
		123456: "One Lakh Twenty Three Thousand Four Hundred Fifty Six", 10000000: "One Crore",
	} {
		if got := inWords(n); got != want {
			t.Errorf("inWords(%d) = %q, want %q", n, got, want)
		}
	}
}
