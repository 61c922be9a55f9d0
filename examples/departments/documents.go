package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/samvad/samvad/examples/departments/pdf"
)

// The documents are specimens: each says so on its face, so that a file that
// leaves a demo is never taken for a real certificate or receipt.
const specimen = "SPECIMEN from a sample department server for testing. Not valid for any purpose."

const (
	margin   = 50.0
	right    = pdf.Width - margin
	labelCol = margin + 10
	valueCol = margin + 190
)

// sheet is a page being filled from the top down.
type sheet struct {
	page *pdf.Page
	y    float64
}

func newSheet(title, subtitle string) *sheet {
	s := &sheet{page: pdf.New(), y: pdf.Height - 60}
	s.page.Shade(margin, s.y-8, right-margin, 22, 0.9)
	s.page.TextCenter(pdf.Width/2, s.y, 8, false, specimen)
	s.y -= 45
	s.page.TextCenter(pdf.Width/2, s.y, 18, true, title)
	s.y -= 20
	s.page.TextCenter(pdf.Width/2, s.y, 10, false, subtitle)
	s.y -= 30
	return s
}

func (s *sheet) section(name string) {
	s.y -= 8
	s.page.Text(margin, s.y, 12, true, name)
	s.y -= 6
	s.page.Rule(margin, s.y, right, s.y, 0.6)
	s.y -= 18
}

// row writes a label and its value; a long value wraps under itself.
func (s *sheet) row(label, value string) {
	s.page.Text(labelCol, s.y, 10, false, label)
	for i, line := range pdf.Wrap(value, 10, true, right-valueCol) {
		if i > 0 {
			s.y -= 14
		}
		s.page.Text(valueCol, s.y, 10, true, line)
	}
	s.y -= 18
}

func (s *sheet) footer(lines ...string) {
	y := 70.0
	s.page.Rule(margin, y+14, right, y+14, 0.4)
	for _, l := range lines {
		s.page.Text(margin, y, 8, false, l)
		y -= 12
	}
	s.page.Box(margin-15, 40, right-margin+30, pdf.Height-80, 0.8)
}

func longDate(t time.Time) string { return t.Format("2 January 2006") }

// certificatePDF is a beneficiary's vaccination certificate: provisional
// after one dose, final after two.
func (s *server) certificatePDF(b *beneficiary) []byte {
	title := "Certificate for COVID-19 Vaccination"
	doses := "2 of 2"
	if b.Dose2.IsZero() {
		title, doses = "Provisional Certificate for COVID-19 Vaccination", "1 of 2"
	}
	c := b.Centre
	sh := newSheet(title, "Issued by the sample vaccination registry, shaped like Co-WIN")
	sh.row("Certificate ID", certificateID(b))
	sh.section("Beneficiary Details")
	sh.row("Beneficiary Name", b.Name)
	sh.row("Age", fmt.Sprint(s.today.Year()-b.BirthYear))
	sh.row("Gender", orDash(b.Gender))
	sh.row("ID Verified", b.IDType+" # XXXXXXXX"+b.IDLast4)
	sh.row("Beneficiary Reference ID", b.RefID)
	sh.row("Vaccination Status", vaccinationStatus(b)+" ("+doses+" doses)")
	sh.section("Vaccination Details")
	facts := vaccineFacts[b.Vaccine]
	sh.row("Vaccine Name", b.Vaccine)
	sh.row("Vaccine Type", facts.Kind)
	sh.row("Manufacturer", facts.Maker)
	sh.row("Dose 1 Date", longDate(b.Dose1))
	if !b.Dose2.IsZero() {
		sh.row("Dose 2 Date", longDate(b.Dose2))
	}
	sh.row("Vaccinated at", c.Name+", "+c.Address)
	sh.row("District, State", c.District.Name+", "+c.District.State.Name+" "+c.Pincode)
	sh.footer("Generated on "+s.cfg.Now().In(ist).Format("2 January 2006, 15:04")+" IST.", specimen)
	return sh.page.Bytes(pdf.Info{Title: title + ", " + b.Name, Subject: "Beneficiary reference ID " + b.RefID,
		Producer: "Samvad sample departments", Created: s.cfg.Now().In(ist)})
}

// certificateID is an 11-digit number derived from the reference id.
func certificateID(b *beneficiary) string {
	n := 0
	for _, c := range b.RefID {
		n = (n*31 + int(c-'0')) % 1e11
	}
	return fmt.Sprintf("%011d", n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// receiptPDF is the receipt of a property-tax payment, with the half-years
// it cleared and the amount in words.
func (s *server) receiptPDF(pay *payment) []byte {
	p := pay.Property
	sh := newSheet("Property Tax Receipt", p.Corporation)
	sh.row("Receipt Number", pay.ReceiptNo)
	sh.row("Paid on", pay.PaidAt.In(ist).Format("2 January 2006, 15:04")+" IST")
	sh.row("Mode of Payment", pay.Mode+" (transaction "+pay.TransactionRef+")")
	sh.section("Property")
	sh.row("Property ID", p.ID)
	sh.row("Owner", p.Owner)
	sh.row("Address", p.Address+", "+p.District.Name+" "+p.Pincode)
	sh.row("Zone / Ward", p.Zone+" / "+p.Ward)
	sh.row("Usage", fmt.Sprintf("%s, %d sq ft", p.Usage, p.AreaSqft))
	sh.section("Amount Paid")
	s.chargeTable(sh, pay)
	sh.row("Amount in words", "Rupees "+inWords(pay.amount())+" only")
	sh.footer("This is a computer-generated receipt and needs no signature.", specimen)
	return sh.page.Bytes(pdf.Info{Title: "Property tax receipt " + pay.ReceiptNo, Subject: "Property " + p.ID,
		Producer: "Samvad sample departments", Created: pay.PaidAt.In(ist)})
}

// chargeTable writes one line per half-year paid, with the amounts by head
// right-aligned in columns, and the total.
func (s *server) chargeTable(sh *sheet, pay *payment) {
	heads := []string{"Property tax", "Education cess", "Library cess", "Penalty", "Total"}
	cols := []float64{300, 368, 428, 488, right - 5}
	sh.page.Text(labelCol, sh.y, 9, true, "Half-year")
	for i, h := range heads {
		sh.page.TextRight(cols[i], sh.y, 9, true, h)
	}
	sh.y -= 16
	var sum charge
	for _, c := range pay.Charges {
		sh.page.Text(labelCol, sh.y, 9, false, c.Period.id()+" ("+c.Period.label()+")")
		for i, n := range []int{c.PropertyTax, c.EducationCess, c.LibraryCess, c.Penalty, c.total()} {
			sh.page.TextRight(cols[i], sh.y, 9, false, money(n))
		}
		sum.PropertyTax += c.PropertyTax
		sum.EducationCess += c.EducationCess
		sum.LibraryCess += c.LibraryCess
		sum.Penalty += c.Penalty
		sh.y -= 14
	}
	sh.page.Rule(labelCol, sh.y+9, right, sh.y+9, 0.4)
	sh.page.Text(labelCol, sh.y-2, 10, true, "Total paid")
	for i, n := range []int{sum.PropertyTax, sum.EducationCess, sum.LibraryCess, sum.Penalty, sum.total()} {
		sh.page.TextRight(cols[i], sh.y-2, 9, i == 4, money(n))
	}
	sh.y -= 28
}

// money is an amount for the PDF, whose font has no rupee sign: Rs. 1,23,456.
func money(n int) string { return "Rs. " + strings.TrimPrefix(formatINR(n), "₹") }

var (
	ones = []string{"", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven",
		"Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	tens = []string{"", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"}
)

// inWords writes a whole number of rupees in English words the Indian way,
// with lakhs and crores: 123456 is "One Lakh Twenty Three Thousand Four
// Hundred Fifty Six".
func inWords(n int) string {
	if n == 0 {
		return "Zero"
	}
	var parts []string
	for _, unit := range []struct {
		size int
		name string
	}{{10000000, "Crore"}, {100000, "Lakh"}, {1000, "Thousand"}, {100, "Hundred"}} {
		if n >= unit.size {
			parts = append(parts, inWords(n/unit.size)+" "+unit.name)
			n %= unit.size
		}
	}
	switch {
	case n >= 20:
		parts = append(parts, strings.TrimSpace(tens[n/10]+" "+ones[n%10]))
	case n > 0:
		parts = append(parts, ones[n])
	}
	return strings.Join(parts, " ")
}
