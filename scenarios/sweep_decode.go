package scenarios

import (
	"math"
	"reflect"

	"github.com/goccy/go-yaml/ast"
)

var quickType = reflect.TypeFor[Quick]()

// sweepValue decodes one value of a sweep axis into v (of type any): an integer as int, another
// number as float64, text as string. Which of these the swept field takes is checked later,
// against the axis' field; what no field takes (booleans, nulls, infinities, collections) is
// rejected here.
func (d *decoder) sweepValue(path string, n ast.Node, v reflect.Value) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			if i >= math.MinInt && i <= math.MaxInt {
				v.Set(reflect.ValueOf(int(i)))
				return
			}
		case uint64:
			if i <= math.MaxInt {
				v.Set(reflect.ValueOf(int(i)))
				return
			}
		}
		d.errAt(path, nodePos(n), "integer %s is out of range", tokenText(n))
		return
	case *ast.FloatNode:
		if math.IsInf(x.Value, 0) || math.IsNaN(x.Value) {
			d.errAt(path, nodePos(n), "must be a finite number, got %s", tokenText(n))
			return
		}
		v.Set(reflect.ValueOf(x.Value))
		return
	case *ast.InfinityNode, *ast.NanNode:
		d.errAt(path, nodePos(n), "must be a finite number, got %s", tokenText(n))
		return
	case *ast.StringNode:
		if f, ok, inRange := plainNumber(x); ok {
			if !inRange {
				d.errAt(path, nodePos(n), "number %s is out of range", x.Value)
				return
			}
			v.Set(reflect.ValueOf(f))
			return
		}
		v.Set(reflect.ValueOf(x.Value))
		return
	case *ast.LiteralNode:
		v.Set(reflect.ValueOf(x.Value.Value))
		return
	}
	d.errAt(path, nodePos(n), "a sweep value must be an integer, a number or text, got %s", describe(n))
}

// quick decodes a sweep's quick section: a mapping of "replications" and of axis fields (paths
// such as room.members, written as keys) to lists of values. Whether each key names an axis is
// checked later, with the axes.
func (d *decoder) quick(path string, n ast.Node, v reflect.Value) {
	m, ok := mappingValues(n)
	if !ok {
		d.errAt(path, nodePos(n), "must be a mapping of replications and axis fields to lists of values, got %s", describe(n))
		return
	}
	q := v.Addr().Interface().(*Quick)
	d.eachKey(path, m, func(key, fp string, mv *ast.MappingValueNode) {
		if key == "replications" {
			d.decode(fp, mv.Value, reflect.ValueOf(&q.Replications).Elem())
			return
		}
		var vals []any
		d.decode(fp, mv.Value, reflect.ValueOf(&vals).Elem())
		if q.Values == nil {
			q.Values = map[string][]any{}
		}
		q.Values[key] = vals
	})
}
