package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

// bigData is a busy department's dashboard: 30 days, a 12-step funnel, 40
// districts and 7 statuses.
type bigData struct{ fakeData }

func (bigData) Dashboard(context.Context, api.Principal) (Dashboard, error) {
	var d Dashboard
	day := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		d.Days = append(d.Days, Day{Day: day.AddDate(0, 0, i), In: 270000 + 1000*i, Out: 410000 + 900*i})
	}
	d.Funnel.Flow = "grievance"
	for i := range 12 {
		d.Funnel.Steps = append(d.Funnel.Steps, Count{Label: fmt.Sprintf("node_%d", i), N: 100000 - 7000*i})
	}
	for i := range 40 {
		d.ByDistrict = append(d.ByDistrict, Count{Label: fmt.Sprintf("District %d", i), N: 50000 - 1000*i})
	}
	for _, s := range []string{"lodged", "assigned", "in_progress", "resolved", "reopened", "closed", "rejected"} {
		d.ByStatus = append(d.ByStatus, Count{Label: s, N: 300000})
	}
	return d, nil
}

// BenchmarkDashboardPage is the console's own share of the dashboard's
// time: charts placed and the page drawn, the reports' queries aside.
func BenchmarkDashboardPage(b *testing.B) {
	c, err := New(Options{Users: fakeUsers{}, Sessions: &memSessions{m: map[string]store.ConsoleSession{}}, Data: bigData{},
		Key: []byte("0123456789abcdef0123")})
	if err != nil {
		b.Fatal(err)
	}
	p := api.Principal{KeyID: "u1", Actor: "Asha", Role: api.RoleAgent, Department: "city"}
	ctx := api.WithPrincipal(context.WithValue(context.Background(), sessionKey{}, session{id: randomID(), principal: p}), p)
	req := httptest.NewRequest(http.MethodGet, "/console/", nil).WithContext(ctx)
	for b.Loop() {
		rec := httptest.NewRecorder()
		c.dashboard(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d", rec.Code)
		}
	}
}
