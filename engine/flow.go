package engine

import (
	"regexp"
	"time"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/guard"
	"github.com/samvad/samvad/engine/locale"
)

// Flow is one compiled flow file: a service such as "grievance", with its
// variables and nodes. It is immutable once loaded and shared by every session
// pinned to its version.
type Flow struct {
	ID string
	// Version is a hash of the file's content: sessions pin it.
	Version string
	File    string
	// Title is the message key of the flow's name, for menus.
	Title       *Text
	DefaultLang string
	// Languages are the languages the flow offers (its `languages:`); nil
	// when it offers every language the deployment enables.
	Languages []string
	// langFor maps a citizen's catalog language index to the one the flow
	// runs in: itself when offered, else a fallback the flow offers. Nil
	// when the flow offers every language.
	langFor  []int
	Vars     map[string]VarType
	varOrder []string
	Start    *Node
	Nodes    map[string]*Node
	// Menu is the flow's place in a generated main menu (0: not listed).
	Menu     int
	Keywords map[string][]string // language → words
	Patterns []*Pattern
	Source   []byte
}

// Offers reports whether the flow is offered in a language: it lists it
// under `languages:`, or lists none.
func (f *Flow) Offers(code string) bool {
	if f.Languages == nil {
		return true
	}
	for _, l := range f.Languages {
		if l == code {
			return true
		}
	}
	return false
}

// langIndex is the catalog index of the language the flow runs in for a
// citizen whose language has catalog index li.
func (f *Flow) langIndex(li int) int {
	if f == nil || f.langFor == nil || li >= len(f.langFor) {
		return li
	}
	return f.langFor[li]
}

// Pattern is a trigger that starts a flow when the whole message matches a
// regular expression, saving the message to a variable.
type Pattern struct {
	Re   *regexp.Regexp
	Save string
}

// VarType is a flow variable's declared type.
type VarType uint8

// The variable types a flow may declare.
const (
	TypeString VarType = iota + 1
	TypeNumber
	TypeMoney
	TypeBool
	TypeDate
	TypeLocation
	TypeAttachment
	TypeObject
	TypeList
)

var varTypeNames = map[string]VarType{
	"string": TypeString, "text": TypeString, "number": TypeNumber, "money": TypeMoney,
	"bool": TypeBool, "yesno": TypeBool, "date": TypeDate, "location": TypeLocation,
	"attachment": TypeAttachment, "object": TypeObject, "list": TypeList,
}

func (t VarType) String() string {
	for name, v := range varTypeNames {
		if v == t && name != "text" && name != "yesno" {
			return name
		}
	}
	return "unknown"
}

// NodeKind is what a node does.
type NodeKind uint8

// The node kinds of the flow language.
const (
	KindSay NodeKind = iota + 1
	KindAsk
	KindBranch
	KindSet
	KindCall
	KindFlow
	KindHandoff
	KindEnd
	// KindAnswer passes a question to the fallback and shows its answer.
	KindAnswer
)

var nodeKindNames = [...]string{"", "say", "ask", "branch", "set", "call", "flow", "handoff", "end", "answer"}

func (k NodeKind) String() string { return nodeKindNames[k] }

// Node is one step of a flow.
type Node struct {
	Name string
	Kind NodeKind
	Pos  diag.Pos
	flow *Flow
	Next Target

	// say, handoff, end: the messages to send.
	Say []*Item
	// Lines, on a say, writes one line per item of a list into its message.
	Lines *LineList
	// ask
	Ask *Ask
	// branch
	Cases   []Case
	Default Target
	// set
	Assign []Assignment
	// call
	Call *Call
	// flow
	SubFlow string
	// handoff
	Queue string
	// answer
	Answer *AnswerNode
}

// AnswerNode is an `answer:` node: a question for the fallback (an
// expression giving text), the flows it may lead to, and where to go when
// it has no answer. Its Next is where to go after an answer.
type AnswerNode struct {
	Question *guard.Program
	// Flows, when not nil, are the only flows the fallback may take the
	// citizen into (none, when empty); nil offers the main menu's.
	Flows []string
	// OnNone is where to go when nothing answers the question; not given,
	// the citizen is told so and shown the main menu.
	OnNone Target
}

// TargetKind says where a `next:` leads.
type TargetKind uint8

// Where a transition may lead.
const (
	ToNone TargetKind = iota
	ToNode
	ToEnd     // end this flow (return to the caller, if any)
	ToMenu    // back to the integration's main menu
	ToHandoff // to the agent inbox
	// ToFallback (an ask's on_fail: only) passes the last answer to the
	// fallback.
	ToFallback
)

// Target is where a transition leads.
type Target struct {
	Kind TargetKind
	Node *Node
	Pos  diag.Pos
	// name is the target as written; with Kind ToNone it names a node the
	// flow does not have (an error the compiler has reported).
	name string
}

// given reports whether the transition was written at all, even to a node
// the flow does not have: such a node is a typo, not a dead end.
func (t Target) given() bool { return t.Kind != ToNone || t.name != "" }

// Item is one message of a say (or the prompt of an ask).
type Item struct {
	Kind  OutputKind
	Text  *Text
	Media *Media
	// MediaURL is an expression when the file is computed (from a call's
	// result): it gives a link (https://…) or a media id the channel holds.
	MediaURL *guard.Program
	// Filename, when set, fills Media.Filename's {{.name}} placeholders
	// from Data and the flow's variables.
	Filename *NameTemplate
	// Data are the item's data: values (for the caption and the filename).
	Data     []DataField
	Location *Location
}

// NameTemplate is a short text with {{.name}} placeholders, such as a file
// name "certificate-{{.reference}}.pdf".
type NameTemplate struct {
	// parts alternate literal text and placeholder names: even indexes are
	// text, odd ones names.
	parts []string
}

// Text is a message key with its template data and its resolved message per
// language (the fallback chain applied at load).
type Text struct {
	Key  string
	Pos  diag.Pos
	Data []DataField
	// byLang holds the message to show for each catalog language.
	byLang []*locale.Message
	// filled are placeholder names the engine fills itself (a list's
	// {{.lines}}, the {{.count}} of the rest); itemFields says the
	// placeholders are an item's fields, known only at run time.
	filled     []string
	itemFields bool
}

// DataField is one `data:` value computed for a message.
type DataField struct {
	Name string
	Expr *guard.Program
}

// Ask is what an ask node expects.
type Ask struct {
	Expect  []Expect
	Choices []*ChoiceDef
	Menu    bool // choices are the flows with a menu entry
	// List, when set, makes the choices at run time from a list (the
	// centres, slots or offices a call returned).
	List     *ChoiceList
	Validate *guard.Program
	Invalid  *Text
	Retries  int
	OnFail   Target
	Save     map[Expect]string // per expected kind, the variable to save to
	// SaveLabel is the variable that gets the chosen option's label, in the
	// citizen's language (for a confirmation message).
	SaveLabel string
	Fallback  bool // unmatched answers go to the fallback first
	Optional  bool // the citizen may skip
	// token names the question for Output.Asked (see askToken).
	token string
	// byLang holds the rendered static choices per language.
	choicesByLang [][]Choice
	// match maps a folded label, id or alias to a choice index.
	match map[string]int
	// prefixes holds folded labels for prefix matching, per choice.
	prefixes [][]string
}

// Expect is a kind of answer an ask accepts.
type Expect uint8

// The answers an ask can expect.
const (
	ExpectText Expect = iota + 1
	ExpectNumber
	ExpectChoice
	ExpectYesNo
	ExpectDate
	ExpectPIN
	ExpectPhone
	ExpectLocation
	ExpectImage
	ExpectDocument
	ExpectMedia
	ExpectLanguage
)

var expectNames = map[string]Expect{
	"text": ExpectText, "number": ExpectNumber, "choice": ExpectChoice, "yesno": ExpectYesNo,
	"yes/no": ExpectYesNo, "date": ExpectDate, "pin": ExpectPIN, "pincode": ExpectPIN,
	"phone": ExpectPhone, "location": ExpectLocation, "image": ExpectImage, "photo": ExpectImage,
	"document": ExpectDocument, "media": ExpectMedia, "language": ExpectLanguage,
}

func (e Expect) String() string {
	for _, n := range [...]string{"text", "number", "choice", "yesno", "date", "pin", "phone", "location", "image", "document", "media", "language"} {
		if expectNames[n] == e {
			return n
		}
	}
	return "unknown"
}

// varType is the variable type an expected answer is saved as.
func (e Expect) varType() VarType {
	switch e {
	case ExpectNumber:
		return TypeNumber
	case ExpectYesNo:
		return TypeBool
	case ExpectDate:
		return TypeDate
	case ExpectLocation:
		return TypeLocation
	case ExpectImage, ExpectDocument, ExpectMedia:
		return TypeAttachment
	}
	return TypeString
}

// ChoiceDef is one declared choice of an ask.
type ChoiceDef struct {
	ID          string
	Label       *Text
	Description *Text
	Next        Target
	Flow        string // for menu choices: the flow to start
	boxedID     any
}

// ChoiceList is an ask's `choices: {from: …}`: one choice per item of a
// list, its id, label and description computed from the item. More than
// MaxChoices items are shown a page at a time, the last row of a page
// leading to the next.
type ChoiceList struct {
	From        *guard.Program
	ID          *guard.Program
	Label       *guard.Program
	Description *guard.Program
	// More labels the row that shows the next page.
	More *Text
	// Empty is where the ask leads, without asking, when the list is empty.
	Empty Target
	// saveItem: the answer saved is the chosen item (to an object
	// variable), else its id (to a string variable).
	saveItem bool
	// moreByLang holds More rendered per catalog language.
	moreByLang []string
}

// LineList is a say's `each:`: one line per item of a list, joined and
// written where the message has {{.lines}}, stopping before MaxChars with
// a last line that counts the rest.
type LineList struct {
	Each *guard.Program
	// Line is one item's line; its placeholders are the item's fields
	// ({{.item}}: the item itself).
	Line *Text
	// More says how many items did not fit ({{.count}}).
	More     *Text
	MaxChars int
}

// The budget of a list's lines: readable on a phone, and well within
// WhatsApp's 4,096 characters for the whole message.
const (
	DefaultListChars = 1000
	MaxListChars     = 3000
)

// Case is one `when:` of a branch.
type Case struct {
	When *guard.Program
	Next Target
	Pos  diag.Pos
}

// Assignment is one variable of a set node.
type Assignment struct {
	Var  string
	Expr *guard.Program
}

// Call is a call node's service call.
type Call struct {
	Service string
	Args    []DataField
	Save    string
	Timeout time.Duration
	OnError Target
	// On leads an outcome other than "ok" (the result's "outcome" field)
	// to a node of its own; any other outcome goes to the node's Next.
	On []OutcomeTarget
}

// OutcomeTarget is one entry of a call's `on:`.
type OutcomeTarget struct {
	Outcome string
	Next    Target
}

// DefaultCallTimeout bounds a service call when the node does not say.
const DefaultCallTimeout = 10 * time.Second

// MaxCallTimeout is the longest a node may wait for a service.
const MaxCallTimeout = 60 * time.Second
