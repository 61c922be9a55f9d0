package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Property tax is levied by the half-year, as in Chennai and Mumbai: April to
// September and October to March. Each half-year's tax is due by the end of
// its first month (30 April, 31 October); after that a penalty runs at a
// percentage of the tax for every month or part of a month. The corporation
// adds cesses on the tax. A payment clears everything due and gets a receipt.

// cityRules are a corporation's rates, in percent of the property tax.
type cityRules struct {
	Code          string // receipt-number prefix
	EducationCess float64
	LibraryCess   float64
	PenaltyMonth  float64
}

// cities are the corporations with property tax here, by district.
var cities = map[string]cityRules{
	"Chennai": {Code: "CHN", EducationCess: 5, LibraryCess: 10, PenaltyMonth: 1},
	"Mumbai":  {Code: "MUM", EducationCess: 8, LibraryCess: 0, PenaltyMonth: 2},
}

// period is a half-year, counted as 2×(the year its financial year starts)
// plus 0 for April–September or 1 for October–March.
type period int

func periodOf(t time.Time) period {
	y, m := t.Year(), t.Month()
	switch {
	case m < time.April:
		return period((y-1)*2 + 1)
	case m >= time.October:
		return period(y*2 + 1)
	}
	return period(y * 2)
}

func (p period) start() time.Time {
	y := int(p) / 2
	if p%2 == 0 {
		return time.Date(y, time.April, 1, 0, 0, 0, 0, ist)
	}
	return time.Date(y, time.October, 1, 0, 0, 0, 0, ist)
}

// due is the last day to pay the half-year's tax without penalty.
func (p period) due() time.Time { return p.start().AddDate(0, 1, -1) }

func (p period) fy() string {
	y := int(p) / 2
	return fmt.Sprintf("%d-%02d", y, (y+1)%100)
}

// id is the half-year as written in the API: 2026-27/H1.
func (p period) id() string { return fmt.Sprintf("%s/H%d", p.fy(), p%2+1) }

// label is the half-year in words: April to September 2026.
func (p period) label() string {
	s := p.start()
	return s.Format("January") + " to " + s.AddDate(0, 6, -1).Format("January 2006")
}

// charge is what one half-year costs, as of a day.
type charge struct {
	Period        period
	PropertyTax   int
	EducationCess int
	LibraryCess   int
	Penalty       int
}

func (c charge) total() int { return c.PropertyTax + c.EducationCess + c.LibraryCess + c.Penalty }

func rupees(amount int, percent float64) int { return int(math.Round(float64(amount) * percent / 100)) }

// chargeFor prices a half-year of a property's tax as of a day.
func chargeFor(p *property, per period, asOf time.Time) charge {
	rules := cities[p.District.Name]
	c := charge{Period: per, PropertyTax: p.HalfYearTax,
		EducationCess: rupees(p.HalfYearTax, rules.EducationCess), LibraryCess: rupees(p.HalfYearTax, rules.LibraryCess)}
	if months := monthsBetween(per.due(), asOf); months > 0 {
		c.Penalty = rupees(p.HalfYearTax, rules.PenaltyMonth*float64(months))
	}
	return c
}

// monthsBetween counts the months, or part of a month, from a to b (0 when b
// is not after a).
func monthsBetween(a, b time.Time) int {
	a, b = dayOf(a), dayOf(b)
	if !b.After(a) {
		return 0
	}
	n := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	if b.Day() > a.Day() {
		n++
	}
	return max(n, 1)
}

type payment struct {
	ReceiptNo      string
	Property       *property
	PaidAt         time.Time
	Charges        []charge
	Mode           string
	TransactionRef string
}

func (p *payment) amount() int {
	n := 0
	for _, c := range p.Charges {
		n += c.total()
	}
	return n
}

// taxLedger keeps who paid which half-year, with the receipts.
type taxLedger struct {
	world *world
	today time.Time

	mu       sync.Mutex
	paid     map[*property]map[period]*payment
	payments map[*property][]*payment // oldest first
	receipts map[string]*payment
	made     int
}

// newTaxLedger records the seeded history: each property's paid half-years
// before its arrears, and the current one where it is paid.
func newTaxLedger(w *world, today time.Time) *taxLedger {
	l := &taxLedger{world: w, today: today, paid: map[*property]map[period]*payment{},
		payments: map[*property][]*payment{}, receipts: map[string]*payment{}}
	current := periodOf(today)
	for _, p := range w.properties {
		l.paid[p] = map[period]*payment{}
		first := current - period(p.Arrears+p.PaidHalves)
		for per := first; per < current-period(p.Arrears); per++ {
			l.seedPayment(p, per)
		}
		if p.CurrentPaid {
			l.seedPayment(p, current)
		}
	}
	return l
}

func (l *taxLedger) seedPayment(p *property, per period) {
	sum := sha256.Sum256(fmt.Appendf(nil, "payment|%s|%d", p.ID, per))
	h := binary.BigEndian.Uint64(sum[:8])
	paidAt := per.start().AddDate(0, 0, int(h%25)).Add(10*time.Hour + time.Duration(h/25%420)*time.Minute)
	if paidAt.After(l.today.Add(10 * time.Hour)) {
		paidAt = l.today.Add(10 * time.Hour)
	}
	mode := "Online"
	if h%3 == 0 {
		mode = "Counter"
	}
	n := 100000 + int(h/25/420%400000)
	no := receiptNo(p, paidAt, n)
	for l.receipts[no] != nil {
		n++
		no = receiptNo(p, paidAt, n)
	}
	l.record(&payment{ReceiptNo: no, Property: p, PaidAt: paidAt, Charges: []charge{chargeFor(p, per, per.start())},
		Mode: mode, TransactionRef: fmt.Sprintf("TXN%012d", binary.BigEndian.Uint64(sum[8:16])%1e12)})
}

// receiptNo is CHN-2627-500001: the city, the financial year paid in, a number.
func receiptNo(p *property, paidAt time.Time, n int) string {
	fy := periodOf(paidAt).fy()
	return fmt.Sprintf("%s-%s%s-%06d", cities[p.District.Name].Code, fy[2:4], fy[5:7], n)
}

// record files a payment. The caller holds the lock, or is the constructor.
func (l *taxLedger) record(pay *payment) {
	for _, c := range pay.Charges {
		l.paid[pay.Property][c.Period] = pay
	}
	l.payments[pay.Property] = append(l.payments[pay.Property], pay)
	l.receipts[pay.ReceiptNo] = pay
}

// dues are the unpaid half-years, oldest first, priced as of asOf.
func (l *taxLedger) dues(p *property, asOf time.Time) []charge {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.duesLocked(p, asOf)
}

func (l *taxLedger) duesLocked(p *property, asOf time.Time) []charge {
	current := periodOf(l.today)
	var out []charge
	for per := current - period(p.Arrears); per <= current; per++ {
		if l.paid[p][per] == nil {
			out = append(out, chargeFor(p, per, asOf))
		}
	}
	return out
}

// pay clears everything due on a property; nil when nothing was due.
func (l *taxLedger) pay(p *property, at time.Time) *payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	due := l.duesLocked(p, at)
	if len(due) == 0 {
		return nil
	}
	l.made++
	sum := sha256.Sum256(fmt.Appendf(nil, "online|%s|%d", p.ID, l.made))
	pay := &payment{ReceiptNo: receiptNo(p, at, 500000+l.made), Property: p, PaidAt: at, Charges: due, Mode: "Online",
		TransactionRef: fmt.Sprintf("TXN%012d", binary.BigEndian.Uint64(sum[:8])%1e12)}
	l.record(pay)
	return pay
}

func (l *taxLedger) history(p *property) []*payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]*payment(nil), l.payments[p]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].PaidAt.After(out[j].PaidAt) })
	return out
}

func (l *taxLedger) receipt(no string) *payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.receipts[strings.ToUpper(strings.TrimSpace(no))]
}

func (s *server) propertyTaxRoutes() {
	s.mux.HandleFunc("GET /api/property-tax/v1/properties", s.searchProperties)
	s.mux.HandleFunc("GET /api/property-tax/v1/properties/{property_id}", s.withProperty(s.propertyDetails))
	s.mux.HandleFunc("GET /api/property-tax/v1/properties/{property_id}/dues", s.withProperty(s.propertyDues))
	s.mux.HandleFunc("GET /api/property-tax/v1/properties/{property_id}/payments", s.withProperty(s.propertyPayments))
	s.mux.HandleFunc("GET /api/property-tax/v1/receipts/{receipt_number}", s.withReceipt(s.receiptDetails))
	s.mux.HandleFunc("GET /api/property-tax/v1/receipts/{receipt_number}/pdf", s.withReceipt(s.receiptPDFHandler))
	s.mux.HandleFunc("GET /pay/property-tax/{property_id}", s.payPage)
	s.mux.HandleFunc("POST /pay/property-tax/{property_id}", s.payNow)
}

func (s *server) propertyByID(id string) *property {
	return s.world.propertyByKey[normalID(id)]
}

// withProperty finds the property of the path, or answers 404.
func (s *server) withProperty(h func(http.ResponseWriter, *http.Request, *property)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.propertyByID(r.PathValue("property_id"))
		if p == nil {
			writeError(w, http.StatusNotFound, "PROPERTY_NOT_FOUND", "property_id", "no property with this id")
			return
		}
		h(w, r, p)
	}
}

func (s *server) withReceipt(h func(http.ResponseWriter, *http.Request, *payment)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pay := s.tax.receipt(r.PathValue("receipt_number"))
		if pay == nil {
			writeError(w, http.StatusNotFound, "RECEIPT_NOT_FOUND", "receipt_number", "no receipt with this number")
			return
		}
		h(w, r, pay)
	}
}

func propertyJSON(p *property) map[string]any {
	return map[string]any{
		"property_id": p.ID, "corporation": p.Corporation, "city": p.District.Name, "zone": p.Zone, "ward": p.Ward,
		"owner_name": p.Owner, "address": p.Address, "pincode": p.Pincode, "usage": p.Usage,
		"area_sqft": p.AreaSqft, "half_year_tax": p.HalfYearTax,
	}
}

// normalWard folds a ward as people write it: "H/West", "h west" and "HW"
// do not all match, but "H/West" and "h west" do, and "Ward 123" is "123".
func normalWard(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "ward")
	return strings.NewReplacer(" ", "", "/", "", "-", "", ".", "").Replace(s)
}

// searchProperties finds properties of a ward by part of the owner's name.
// Both are required, so the registry cannot be listed whole.
func (s *server) searchProperties(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ward := normalWard(q.Get("ward"))
	owner := strings.ToLower(strings.Join(strings.Fields(q.Get("owner")), " "))
	city := strings.ToLower(strings.TrimSpace(q.Get("city")))
	switch {
	case ward == "":
		badInput(w, "ward", "ward is required, like 123 in Chennai or H/West in Mumbai")
		return
	case len([]rune(owner)) < 3:
		badInput(w, "owner", "owner must be at least 3 letters of the owner's name")
		return
	}
	out := []map[string]any{}
	for _, p := range s.world.properties {
		if normalWard(p.Ward) == ward && strings.Contains(strings.ToLower(p.Owner), owner) &&
			(city == "" || strings.ToLower(p.District.Name) == city) {
			out = append(out, propertyJSON(p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"properties": out, "count": len(out)})
}

func (s *server) propertyDetails(w http.ResponseWriter, r *http.Request, p *property) {
	writeJSON(w, http.StatusOK, propertyJSON(p))
}

func chargeJSON(c charge, asOf time.Time) map[string]any {
	return map[string]any{
		"period": c.Period.id(), "label": c.Period.label(), "due_date": c.Period.due().Format(time.DateOnly),
		"property_tax": c.PropertyTax, "education_cess": c.EducationCess, "library_cess": c.LibraryCess,
		"penalty": c.Penalty, "total": c.total(), "overdue": dayOf(asOf).After(c.Period.due()),
	}
}

// sumCharges adds up charges by head, into the fields of out.
func sumCharges(out map[string]any, cs []charge) int {
	var tax, edu, lib, pen int
	for _, c := range cs {
		tax, edu, lib, pen = tax+c.PropertyTax, edu+c.EducationCess, lib+c.LibraryCess, pen+c.Penalty
	}
	out["property_tax"], out["education_cess"], out["library_cess"], out["penalty"] = tax, edu, lib, pen
	out["total"] = tax + edu + lib + pen
	return tax + edu + lib + pen
}

func (s *server) propertyDues(w http.ResponseWriter, r *http.Request, p *property) {
	now := s.cfg.Now()
	due := s.tax.dues(p, now)
	current := periodOf(s.today)
	status := "paid"
	periods := []map[string]any{}
	for _, c := range due {
		j := chargeJSON(c, now)
		periods = append(periods, j)
		if status == "paid" {
			status = "due"
		}
		if j["overdue"] == true {
			status = "overdue"
		}
	}
	out := map[string]any{
		"property_id": p.ID, "owner_name": p.Owner, "corporation": p.Corporation, "ward": p.Ward,
		"as_of": s.today.Format(time.DateOnly), "status": status, "periods": periods, "currency": "INR",
		"current_period": map[string]any{"period": current.id(), "label": current.label(), "due_date": current.due().Format(time.DateOnly)},
	}
	if sumCharges(out, due) > 0 {
		out["payment_url"] = s.link(r, "/pay/property-tax/"+p.ID, nil)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) paymentJSON(r *http.Request, pay *payment) map[string]any {
	periods := []string{}
	for _, c := range pay.Charges {
		periods = append(periods, c.Period.id())
	}
	return map[string]any{
		"receipt_number": pay.ReceiptNo, "property_id": pay.Property.ID, "paid_at": pay.PaidAt.Format(time.RFC3339),
		"amount": pay.amount(), "periods": periods, "mode": pay.Mode, "transaction_ref": pay.TransactionRef,
		"receipt_url": s.link(r, "/api/property-tax/v1/receipts/"+pay.ReceiptNo+"/pdf", nil),
	}
}

func (s *server) propertyPayments(w http.ResponseWriter, r *http.Request, p *property) {
	list := []map[string]any{}
	for _, pay := range s.tax.history(p) {
		list = append(list, s.paymentJSON(r, pay))
	}
	writeJSON(w, http.StatusOK, map[string]any{"property_id": p.ID, "payments": list})
}

func (s *server) receiptDetails(w http.ResponseWriter, r *http.Request, pay *payment) {
	out := s.paymentJSON(r, pay)
	p := pay.Property
	out["owner_name"], out["corporation"], out["address"], out["ward"] = p.Owner, p.Corporation, p.Address, p.Ward
	charges := []map[string]any{}
	for _, c := range pay.Charges {
		charges = append(charges, chargeJSON(c, pay.PaidAt))
	}
	out["charges"] = charges
	sumCharges(out, pay.Charges)
	delete(out, "total") // the amount says it
	writeJSON(w, http.StatusOK, out)
}

func (s *server) receiptPDFHandler(w http.ResponseWriter, r *http.Request, pay *payment) {
	writePDF(w, "receipt-"+pay.ReceiptNo+".pdf", s.receiptPDF(pay))
}

// formatINR writes rupees with Indian digit grouping: ₹1,23,456.
func formatINR(n int) string {
	s := fmt.Sprint(n)
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		var groups []string
		for len(head) > 2 {
			groups = append([]string{head[len(head)-2:]}, groups...)
			head = head[:len(head)-2]
		}
		s = strings.Join(append([]string{head}, groups...), ",") + "," + tail
	}
	return "₹" + s
}

var payTemplate = template.Must(template.New("pay").Funcs(template.FuncMap{"inr": formatINR}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{padding:.3rem 0;border-bottom:1px solid #ddd}td.n{text-align:right}
button{font-size:1.1rem;padding:.6rem 1.4rem;margin-top:1rem}.note{color:#666;font-size:.85rem}</style></head>
<body><h1>{{.Title}}</h1>
<p><b>{{.P.Corporation}}</b><br>Property {{.P.ID}}, ward {{.P.Ward}}<br>{{.P.Owner}}<br>{{.P.Address}}</p>
{{if .Receipt}}<p>Payment received: {{inr .Receipt.Amount}}.<br>Receipt number <b>{{.Receipt.No}}</b>.</p>
<p><a href="{{.Receipt.URL}}">Download the receipt (PDF)</a></p>
{{else if .Due}}<table>{{range .Due}}<tr><td>{{.Label}} (due {{.DueDate}})</td><td class="n">{{inr .Total}}</td></tr>{{end}}
<tr><td><b>Total</b></td><td class="n"><b>{{inr .Total}}</b></td></tr></table>
<form method="post" action="{{.Action}}"><button type="submit">Pay {{inr .Total}}</button></form>
<p class="note">A sample payment page: no money moves.</p>
{{else}}<p>Nothing is due on this property.</p>{{end}}
</body></html>
`))

type payView struct {
	Title   string
	P       *property
	Due     []dueLine
	Total   int
	Action  string
	Receipt *receiptLine
}

type dueLine struct {
	Label, DueDate string
	Total          int
}

type receiptLine struct {
	No, URL string
	Amount  int
}

func (s *server) payPage(w http.ResponseWriter, r *http.Request) {
	p := s.propertyByID(r.PathValue("property_id"))
	if p == nil {
		http.Error(w, "No property with this id.", http.StatusNotFound)
		return
	}
	v := payView{Title: "Pay property tax", P: p, Action: r.URL.RequestURI()}
	for _, c := range s.tax.dues(p, s.cfg.Now()) {
		v.Due = append(v.Due, dueLine{Label: c.Period.label(), DueDate: c.Period.due().Format("2 January 2006"), Total: c.total()})
		v.Total += c.total()
	}
	renderPay(w, http.StatusOK, v)
}

// payNow marks everything due as paid and answers the receipt: an HTML page
// for a browser's form, JSON when the caller accepts it.
func (s *server) payNow(w http.ResponseWriter, r *http.Request) {
	p := s.propertyByID(r.PathValue("property_id"))
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if p == nil {
		if wantsJSON {
			writeError(w, http.StatusNotFound, "PROPERTY_NOT_FOUND", "property_id", "no property with this id")
		} else {
			http.Error(w, "No property with this id.", http.StatusNotFound)
		}
		return
	}
	pay := s.tax.pay(p, s.cfg.Now())
	if pay == nil {
		if wantsJSON {
			writeError(w, http.StatusConflict, "NOTHING_DUE", "property_id", "nothing is due on this property")
		} else {
			renderPay(w, http.StatusConflict, payView{Title: "Nothing to pay", P: p})
		}
		return
	}
	if wantsJSON {
		writeJSON(w, http.StatusOK, s.paymentJSON(r, pay))
		return
	}
	link := s.link(r, "/api/property-tax/v1/receipts/"+pay.ReceiptNo+"/pdf", nil)
	renderPay(w, http.StatusOK, payView{Title: "Payment received", P: p, Receipt: &receiptLine{No: pay.ReceiptNo, URL: link, Amount: pay.amount()}})
}

func renderPay(w http.ResponseWriter, status int, v payView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = payTemplate.Execute(w, v)
}
