package seed

import "strings"

// The vocabularies that generated records draw from.
var (
	firstNames = []string{
		"Ada", "Alan", "Amara", "Anna", "Arjun", "Beatriz", "Ben", "Carlos", "Chen", "Chloe",
		"Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hiroshi", "Ibrahim",
		"Ines", "Isaac", "Jade", "James", "Jonas", "Kai", "Karin", "Leila", "Liam", "Lucia",
		"Mateo", "Maya", "Mei", "Mohammed", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael",
		"Rosa", "Sakura", "Samuel", "Sara", "Sofia", "Tariq", "Tomas", "Valentina", "Wei", "Zoe",
	}
	lastNames = []string{
		"Adeyemi", "Andersson", "Becker", "Bianchi", "Brown", "Chen", "Costa", "Dubois", "Fernandez", "Fischer",
		"Garcia", "Gupta", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jansen", "Kim", "Kowalski", "Kumar",
		"Larsen", "Lopez", "Martin", "Mendes", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "O'Brien",
		"Okafor", "Olsen", "Park", "Patel", "Petrov", "Rossi", "Santos", "Sato", "Schmidt", "Silva",
		"Singh", "Smith", "Suzuki", "Tanaka", "Van Dijk", "Wagner", "Wang", "Williams", "Yilmaz", "Zhang",
	}
	companyBrands = []string{
		"Acme", "Aperture", "Blue Harbor", "Cobalt", "Cyberdyne", "Evergreen", "Globex", "Helios", "Hooli", "Initech",
		"Juniper", "Kestrel", "Lumen", "Meridian", "Northwind", "Orbit", "Pinnacle", "Quantum", "Redwood", "Sable",
		"Soylent", "Summit", "Tidewater", "Umbrella", "Vandelay", "Vertex", "Wayfarer", "Wonka", "Yellowstone", "Zephyr",
	}
	companyKinds = []string{
		"Analytics", "Bank", "Bikes", "Capital", "Consulting", "Dynamics", "Energy", "Foods", "Group", "Health",
		"Industries", "Labs", "Logistics", "Media", "Partners", "Retail", "Robotics", "Software", "Systems", "Travel",
	}
	industries = []string{
		"saas", "fintech", "healthcare", "retail", "manufacturing", "logistics", "media", "education", "energy", "public-sector",
	}
	contactTags = []string{
		"customer", "lead", "prospect", "vip", "newsletter", "churn-risk", "trial", "enterprise", "smb", "partner",
		"beta-tester", "billing-contact", "support", "decision-maker", "champion", "renewal-q1", "renewal-q3", "event-2026",
		"webinar", "referral",
	}
	descriptions = []string{
		"Met at the spring conference; interested in the API.",
		"Prefers email over calls.",
		"Main contact for invoices.",
		"Asked for a demo of the portal.",
		"Moved over from the old CRM.",
	}
	sources = []string{"import", "webinar", "signup", "referral", "event"}
)

// lower turns a name into a lowercase word for email addresses and domains.
func lower(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\'':
			return -1
		case r == 'ü':
			return 'u'
		}
		return r
	}, strings.ToLower(name))
}
