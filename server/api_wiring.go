package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/server/api"
)

// newAPI builds the staff API over the store, with the departments of the
// configuration and the integrations each owns.
func (s *Server) newAPI(secret []byte, districts map[string]string) *api.API {
	depts := map[string]api.Department{}
	for _, d := range s.cfg.Departments {
		zone, err := time.LoadLocation(d.TimeZone)
		if err != nil {
			zone = time.UTC // ValidateFor reported it; a test config may skip validation
		}
		depts[d.ID] = api.Department{ID: d.ID, Name: d.Name, TimeZone: zone}
	}
	for name, q := range s.cfg.Queues {
		id := s.cfg.queueDepartment(q)
		if d, ok := depts[id]; ok {
			d.Queues = append(d.Queues, name)
			depts[id] = d
		}
	}
	for id, in := range s.integrations {
		d := depts[in.cfg.Department]
		d.Integrations = append(d.Integrations, id)
		depts[in.cfg.Department] = d
	}
	if s.keys == nil {
		s.keys = api.StoreKeys{Store: s.store}
	}
	keys := s.keys
	if s.cfg.StaffKeys != nil {
		keys = s.cfg.StaffKeys
	}
	return api.New(api.Options{Store: s.store, Keys: keys, Departments: depts, CursorKey: derivedKey(secret, "api cursors"),
		Audit: api.StoreAudit{Store: s.store}, Clock: s.now, Log: s.log, Templates: s.templates, Districts: districts,
		Notifier: s.notifier, CasePolicy: s.casePolicy, Staff: s.pipeline,
		FlowExists: func(id string) bool { return s.library().Flow(id) != nil }})
}

// casePolicy is the service levels the loaded flows declare for a kind of
// case (the zero Policy when none does).
func (s *Server) casePolicy(kind string) casework.Policy {
	return s.project.Load().ops.CasePolicies()[kind]
}

// derivedKey is a key for one purpose, made from the server's secret key
// so that no purpose's key reveals another's.
func derivedKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("samvad " + purpose))
	return m.Sum(nil)
}
