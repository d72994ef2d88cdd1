package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The YAML library's own decoder, even with yaml.Strict(), quietly converts 1.5 to 1 for an
// int field, "5" to 5 and 123 to "123", and reads only the first of several documents. A
// scenario file must not be read differently from how it looks, so this file decodes the
// library's syntax tree itself, driven by the yaml tags of the Scenario types, and records
// where every field was written so that later checks can point at it.

// loc is where a field was written.
type loc struct {
	key token.Position // its key, or the list entry
	pos token.Position // its value if a scalar, else its key
}

type decoder struct {
	file    string
	anchors map[string]ast.Node
	locs    map[string]loc
	errs    []*Error
}

var durationType = reflect.TypeFor[Duration]()

// decodeFile parses data and decodes it into a Scenario, recording the location of every field
// it met. It returns all decode errors found (syntax errors stop it at the first).
func decodeFile(file string, data []byte) (*Scenario, map[string]loc, []*Error) {
	d := &decoder{file: file, anchors: map[string]ast.Node{}, locs: map[string]loc{}}
	if len(data) > MaxFileBytes {
		return nil, nil, []*Error{{File: file, Msg: fmt.Sprintf("file is %d bytes; scenario files are limited to %d bytes", len(data), MaxFileBytes)}}
	}
	if !utf8.Valid(data) {
		return nil, nil, []*Error{{File: file, Msg: "file is not valid UTF-8"}}
	}
	if e := nestingError(file, data); e != nil {
		return nil, nil, []*Error{e}
	}
	f, err := parse(data)
	if err != nil {
		e := &Error{File: file, Msg: "invalid YAML: " + err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			e.Msg = "invalid YAML: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, nil, []*Error{e}
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errAt("", nodePos(doc.Body), "a scenario file holds one YAML document; this is a second one")
			return nil, nil, d.errs
		}
		body = doc.Body
	}
	if _, null := body.(*ast.NullNode); body == nil || null {
		return nil, nil, []*Error{{File: file, Msg: "file is empty; a scenario needs at least name, duration, providers, room and workload"}}
	}
	s := new(Scenario)
	d.decode("", body, reflect.ValueOf(s).Elem())
	if len(d.errs) > 0 {
		return nil, nil, d.errs
	}
	return s, d.locs, nil
}

// maxNesting bounds how deeply collections may nest in a scenario file. The deepest field of
// the format is at level 5; the YAML parser slows down badly with depth.
const maxNesting = 32

// nestingError reports flow collections ('[', '{') or block sequence entries ("- - -") nested
// deeper than maxNesting. It is lexical, so brackets in strings count too; a scenario has no
// use for 32 unmatched ones.
func nestingError(file string, data []byte) *Error {
	depth, dashes, line, col := 0, 0, 1, 0
	lineStart := true
	text := string(data)
	for i, r := range text {
		col++
		switch r {
		case '\n':
			line, col, dashes, lineStart = line+1, 0, 0, true
			continue
		case '[', '{':
			depth++
		case ']', '}':
			depth = max(depth-1, 0)
		}
		if lineStart {
			switch {
			case r == ' ' || r == '\t':
			case r == '-' && (i+1 == len(text) || strings.ContainsRune(" \t\r\n", rune(text[i+1]))):
				dashes++
			default:
				lineStart = false
			}
		}
		if depth > maxNesting || dashes > maxNesting {
			return &Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf("collections nest deeper than %d levels", maxNesting)}
		}
	}
	return nil
}

// parse runs the YAML parser, turning a panic in it into an error.
func parse(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	// Duplicate keys are let through so that decode can report them with their path.
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

func (d *decoder) errAt(path string, pos token.Position, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Field: path, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)})
}

// decode decodes node n, written at path, into v.
func (d *decoder) decode(path string, n ast.Node, v reflect.Value) {
	n = d.resolve(path, n)
	if n == nil {
		return
	}
	if _, ok := n.(*ast.NullNode); ok {
		d.errAt(path, nodePos(n), "empty (null) value; write a value, or remove the field if it is optional")
		return
	}
	if v.Type() == durationType {
		d.duration(path, n, v)
		return
	}
	if v.Type() == quickType {
		d.quick(path, n, v)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(path, n, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.structure(path, n, v)
	case reflect.Map:
		d.mapping(path, n, v)
	case reflect.Slice:
		d.list(path, n, v)
	case reflect.String:
		switch s := n.(type) {
		case *ast.StringNode:
			v.SetString(s.Value)
		case *ast.LiteralNode:
			v.SetString(s.Value.Value)
		default:
			if isScalar(n) {
				d.errAt(path, nodePos(n), "must be a string, got %s (quote it if you mean the text)", describe(n))
			} else {
				d.errAt(path, nodePos(n), "must be a string, got %s", describe(n))
			}
		}
	case reflect.Int:
		if i, ok := d.integer(path, n, "an integer"); ok {
			if i.neg && i.abs > uint64(math.MaxInt)+1 || !i.neg && i.abs > math.MaxInt {
				d.errAt(path, nodePos(n), "integer %s is out of range", tokenText(n))
				return
			}
			if i.neg {
				v.SetInt(int64(-i.abs))
			} else {
				v.SetInt(int64(i.abs))
			}
		}
	case reflect.Uint64:
		if i, ok := d.integer(path, n, "a non-negative integer"); ok {
			if i.neg {
				d.errAt(path, nodePos(n), "must be a non-negative integer, got %s", tokenText(n))
				return
			}
			v.SetUint(i.abs)
		}
	case reflect.Float64:
		d.float(path, n, v)
	case reflect.Bool:
		// Only true and false: YAML 1.1's yes/no/on/off are strings to this parser, and
		// accepting them would make "no" mean false in one tool and a name in another.
		if b, ok := n.(*ast.BoolNode); ok {
			v.SetBool(b.Value)
		} else {
			d.errAt(path, nodePos(n), "must be true or false, got %s", describe(n))
		}
	case reflect.Interface:
		d.sweepValue(path, n, v)
	default:
		// Only reached if a field of an unsupported type is added to the Scenario types.
		d.errAt(path, nodePos(n), "internal error: cannot decode into %s", v.Type())
	}
}

// resolve follows anchors and aliases and rejects tags; it returns nil after an error.
func (d *decoder) resolve(path string, n ast.Node) ast.Node {
	for range 100 {
		switch a := n.(type) {
		case nil:
			return &ast.NullNode{}
		case *ast.AnchorNode:
			d.anchors[nodeText(a.Name)] = a.Value
			n = a.Value
		case *ast.AliasNode:
			name := nodeText(a.Value)
			t, ok := d.anchors[name]
			if !ok {
				d.errAt(path, nodePos(n), "alias *%s refers to no anchor &%s written before it", name, name)
				return nil
			}
			n = t
		case *ast.TagNode:
			d.errAt(path, nodePos(n), "YAML tags such as %s are not supported; write the plain value", tokenText(n))
			return nil
		default:
			return n
		}
	}
	d.errAt(path, nodePos(n), "aliases nest too deeply")
	return nil
}

type field struct {
	name  string
	index int
}

// fieldsOf lists the yaml names of the fields of struct type t, in declaration order.
func fieldsOf(t reflect.Type) []field {
	fs := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		fs = append(fs, field{name, i})
	}
	return fs
}

func (d *decoder) structure(path string, n ast.Node, v reflect.Value) {
	fs := fieldsOf(v.Type())
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	m, ok := mappingValues(n)
	if !ok {
		what := "must be"
		if path == "" {
			what = "the top level must be"
		}
		d.errAt(path, nodePos(n), "%s a mapping with fields %s, got %s", what, strings.Join(names, ", "), describe(n))
		return
	}
	seen := map[string]token.Position{}
	for _, mv := range m {
		key, kpos, ok := d.key(path, mv)
		if !ok {
			continue
		}
		fp := joinPath(path, key)
		if first, dup := seen[key]; dup {
			d.errAt(fp, kpos, "duplicate key (first written at %d:%d)", first.Line, first.Column)
			continue
		}
		seen[key] = kpos
		i := slices.Index(names, key)
		if i < 0 {
			msg := "unknown field"
			if s := suggest(key, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			where := "in " + path
			if path == "" {
				where = "at the top level"
			}
			d.errAt(fp, kpos, "%s; allowed %s: %s", msg, where, strings.Join(names, ", "))
			continue
		}
		d.record(fp, kpos, mv.Value)
		d.decode(fp, mv.Value, v.Field(fs[i].index))
	}
}

func (d *decoder) mapping(path string, n ast.Node, v reflect.Value) {
	m, ok := mappingValues(n)
	if !ok {
		d.errAt(path, nodePos(n), "must be a mapping, got %s", describe(n))
		return
	}
	out := reflect.MakeMapWithSize(v.Type(), len(m))
	d.eachKey(path, m, func(key, fp string, mv *ast.MappingValueNode) {
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(fp, mv.Value, e)
		out.SetMapIndex(reflect.ValueOf(key), e)
	})
	v.Set(out)
}

func (d *decoder) list(path string, n ast.Node, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errAt(path, nodePos(n), "must be a list, got %s", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, e := range seq.Values {
		ep := fmt.Sprintf("%s[%d]", path, i)
		d.record(ep, nodePos(e), e)
		d.decode(ep, e, out.Index(i))
	}
	v.Set(out)
}

// record notes that path was written with its key at kpos and value node n.
func (d *decoder) record(path string, kpos token.Position, n ast.Node) {
	l := loc{key: kpos, pos: kpos}
	if isScalar(n) {
		l.pos = nodePos(n)
	}
	d.locs[path] = l
}

// key returns the text of a mapping key, which must be a scalar.
func (d *decoder) key(path string, mv *ast.MappingValueNode) (string, token.Position, bool) {
	var k ast.Node = mv.Key
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	pos := nodePos(k)
	switch k.(type) {
	case *ast.MergeKeyNode:
		d.errAt(path, pos, "merge keys (<<) are not supported; write the fields out")
		return "", pos, false
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode, *ast.InfinityNode, *ast.NanNode:
		if s, ok := k.(*ast.StringNode); ok {
			return s.Value, pos, true
		}
		return tokenText(k), pos, true
	}
	d.errAt(path, pos, "a key must be plain text, got %s", describe(k))
	return "", pos, false
}

type integer struct {
	neg bool
	abs uint64
}

// integer reads an integer node; want describes the expected value for messages.
func (d *decoder) integer(path string, n ast.Node, want string) (integer, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			if i < 0 {
				return integer{true, uint64(-(i + 1)) + 1}, true
			}
			return integer{false, uint64(i)}, true
		case uint64:
			return integer{false, i}, true
		}
	case *ast.StringNode:
		// The parser leaves integers beyond 64 bits as plain strings.
		if f, ok, inRange := plainNumber(x); ok && (!inRange || math.Abs(f) >= 1<<63) {
			d.errAt(path, nodePos(n), "number %s is out of range", x.Value)
			return integer{}, false
		} else if ok {
			d.errAt(path, nodePos(n), "must be %s, got number %s", want, x.Value)
			return integer{}, false
		}
	}
	d.errAt(path, nodePos(n), "must be %s, got %s%s", want, describe(n), quoteHint(n))
	return integer{}, false
}

func (d *decoder) float(path string, n ast.Node, v reflect.Value) {
	var f float64
	switch x := n.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			v.SetFloat(float64(i))
			return
		case uint64:
			v.SetFloat(float64(i))
			return
		}
	case *ast.FloatNode:
		f = x.Value
	case *ast.InfinityNode, *ast.NanNode:
		f = math.NaN()
	case *ast.StringNode:
		// The parser leaves some numbers (1e6, 1e999) as plain strings.
		g, ok, inRange := plainNumber(x)
		switch {
		case ok && !inRange:
			d.errAt(path, nodePos(n), "number %s is out of range", x.Value)
			return
		case !ok:
			d.errAt(path, nodePos(n), "must be a number, got %s%s", describe(n), quoteHint(n))
			return
		}
		f = g
	default:
		d.errAt(path, nodePos(n), "must be a number, got %s", describe(n))
		return
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		d.errAt(path, nodePos(n), "must be a finite number, got %s", tokenText(n))
		return
	}
	v.SetFloat(f)
}

var durationSyntax = regexp.MustCompile(`^[0-9.]+(ns|us|µs|μs|ms|s|m|h)([0-9.]+(ns|us|µs|μs|ms|s|m|h))*$`)

func (d *decoder) duration(path string, n ast.Node, v reflect.Value) {
	const units = `write a number with a unit (ns, us, ms, s, m, h), e.g. "250ms", "1.5s" or "1m30s"`
	switch x := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		t := tokenText(n)
		d.errAt(path, nodePos(n), "bare number %s is not a duration; add a unit, e.g. %q or %q", t, t+"ms", t+"s")
		return
	case *ast.StringNode:
		t, msg := parseDurationText(x.Value)
		if msg != "" {
			d.errAt(path, nodePos(n), "%s", msg)
			return
		}
		v.SetInt(int64(t))
		return
	}
	d.errAt(path, nodePos(n), "must be a duration, got %s; %s", describe(n), units)
}

// plainNumber reads an unquoted scalar that the YAML parser left as a string as a decimal
// number: ok says it is one, inRange that it fits a float64.
func plainNumber(s *ast.StringNode) (f float64, ok, inRange bool) {
	if s.Token == nil || s.Token.Type != token.StringType || !numberSyntax.MatchString(s.Value) {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(s.Value, 64)
	if err != nil {
		return 0, errors.Is(err, strconv.ErrRange), false
	}
	return f, true, true
}

// numberSyntax is a decimal number, as YAML writes them.
var numberSyntax = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// quoteHint tells the user to drop quotes around a quoted number.
func quoteHint(n ast.Node) string {
	s, ok := n.(*ast.StringNode)
	if !ok || s.Token == nil || s.Token.Type == token.StringType {
		return ""
	}
	if !numberSyntax.MatchString(s.Value) {
		return ""
	}
	return " (remove the quotes)"
}

// mappingValues returns the entries of a mapping node.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode,
		*ast.InfinityNode, *ast.NanNode, *ast.LiteralNode:
		return true
	}
	return false
}

// describe names the kind and value of n for messages.
func describe(n ast.Node) string {
	switch x := n.(type) {
	case *ast.NullNode:
		return "null"
	case *ast.StringNode:
		return "string " + strconv.Quote(truncate(x.Value))
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode:
		return "integer " + tokenText(n)
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "number " + tokenText(n)
	case *ast.BoolNode:
		return "boolean " + tokenText(n)
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AnchorNode, *ast.AliasNode, *ast.TagNode:
		return "an anchor, alias or tag"
	}
	return "an unsupported YAML node"
}

func truncate(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// tokenText is the source text of n's token.
func tokenText(n ast.Node) string {
	if tk := n.GetToken(); tk != nil {
		return truncate(tk.Value)
	}
	return ""
}

func nodeText(n ast.Node) string {
	if n == nil {
		return ""
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	return tokenText(n)
}

// nodePos is where node n starts.
func nodePos(n ast.Node) token.Position {
	var tk *token.Token
	switch x := n.(type) {
	case nil:
	case *ast.DocumentNode:
		if x.Body != nil {
			return nodePos(x.Body)
		}
	case *ast.MappingNode:
		if x.IsFlowStyle || len(x.Values) == 0 {
			tk = x.Start
		} else {
			return nodePos(x.Values[0])
		}
	case *ast.MappingValueNode:
		return nodePos(x.Key)
	case *ast.MappingKeyNode:
		tk = x.Start
	case *ast.SequenceNode:
		tk = x.Start
	case *ast.AnchorNode:
		tk = x.Start
	case *ast.AliasNode:
		tk = x.Start
	case *ast.TagNode:
		tk = x.Start
	case *ast.LiteralNode:
		tk = x.Start
	default:
		tk = n.GetToken()
	}
	if tk == nil || tk.Position == nil {
		return token.Position{}
	}
	return *tk.Position
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinPath appends key to path: "a.b", or a["b c"] for keys that are not plain.
func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns the name in names closest to s if it is close enough to be a likely typo.
func suggest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance of a and b: insertions, deletions,
// substitutions and swaps of adjacent characters each count 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// eachKey calls f for each key of a mapping in order, after reporting keys that are not plain
// scalars or are written twice, and recording each value's position under its field path.
func (d *decoder) eachKey(path string, m []*ast.MappingValueNode, f func(key, fp string, mv *ast.MappingValueNode)) {
	seen := map[string]token.Position{}
	for _, mv := range m {
		key, kpos, ok := d.key(path, mv)
		if !ok {
			continue
		}
		fp := joinPath(path, key)
		if first, dup := seen[key]; dup {
			d.errAt(fp, kpos, "duplicate key (first written at %d:%d)", first.Line, first.Column)
			continue
		}
		seen[key] = kpos
		d.record(fp, kpos, mv.Value)
		f(key, fp, mv)
	}
}
