// Package nfteval evaluates an nftables ruleset, as listed by the kernel
// (`nft -j list ruleset`), against synthetic packets. The lab uses it to
// compare the verdicts of the realizer's ruleset with those of the ruleset
// the real firewall4 rendered: same verdict for every probe packet means the
// same semantics, whatever the text looks like.
//
// Only the expressions firewall4-style rulesets use are understood; anything
// else is an error, never a silent match.
package nfteval

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Ruleset is the chains of one table.
type Ruleset struct {
	chains map[string]*chain
}

type chain struct {
	name   string
	typ    string
	hook   string
	prio   int
	policy string
	rules  [][]map[string]json.RawMessage
}

// Parse reads `nft -j list ruleset` output and keeps table family/name.
func Parse(data []byte, family, table string) (*Ruleset, error) {
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	rs := &Ruleset{chains: map[string]*chain{}}
	for _, obj := range doc.Nftables {
		if err := rs.addObject(obj, family, table); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

func (rs *Ruleset) addObject(obj map[string]json.RawMessage, family, table string) error {
	if raw, ok := obj["chain"]; ok {
		var c struct {
			Family, Table, Name, Type, Hook, Policy string
			Prio                                    int
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		if c.Family == family && c.Table == table {
			rs.chains[c.Name] = &chain{name: c.Name, typ: c.Type, hook: c.Hook, prio: c.Prio, policy: c.Policy}
		}
	}
	if raw, ok := obj["rule"]; ok {
		var r struct {
			Family, Table, Chain string
			Expr                 []map[string]json.RawMessage
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.Family == family && r.Table == table {
			c := rs.chains[r.Chain]
			if c == nil {
				return fmt.Errorf("rule in unknown chain %q", r.Chain)
			}
			c.rules = append(c.rules, r.Expr)
		}
	}
	return nil
}

// baseChains returns the chains attached to hook with type typ, by priority.
func (rs *Ruleset) baseChains(typ, hook string) []*chain {
	var out []*chain
	for _, c := range rs.chains {
		if c.hook == hook && c.typ == typ {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].prio < out[j].prio })
	return out
}

// Eval runs p through every base chain of type typ ("filter" or "nat") on
// hook and returns the outcome: the final verdict ("accept", "drop",
// "reject ...") for filter chains, the translation ("dnat ...",
// "masquerade", "none") for nat chains, followed by side effects such as
// MSS clamping.
func (rs *Ruleset) Eval(typ, hook string, p Packet) (string, error) {
	e := &evaluator{rs: rs, p: p}
	verdict := "accept"
	if typ == "nat" {
		verdict = "none"
	}
	for _, c := range rs.baseChains(typ, hook) {
		v, err := e.runBase(c)
		if err != nil {
			return "", fmt.Errorf("chain %s: %w", c.name, err)
		}
		if typ == "nat" {
			if v != "accept" {
				verdict = v
				break
			}
			continue
		}
		if v != "accept" {
			verdict = v
			break
		}
	}
	for _, eff := range e.effects {
		verdict += " +" + eff
	}
	return verdict, nil
}

type evaluator struct {
	rs      *Ruleset
	p       Packet
	effects []string
	depth   int
}

func (e *evaluator) runBase(c *chain) (string, error) {
	v, err := e.run(c)
	if err != nil {
		return "", err
	}
	if v == "" || v == "return" {
		return c.policy, nil
	}
	return v, nil
}

// run evaluates a chain; "" means it fell off the end (or returned).
func (e *evaluator) run(c *chain) (string, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 32 {
		return "", fmt.Errorf("jump depth exceeded in %s", c.name)
	}
	for _, rule := range c.rules {
		v, err := e.rule(rule)
		if err != nil {
			return "", err
		}
		if v == "return" {
			return "", nil
		}
		if v != "" {
			return v, nil
		}
	}
	return "", nil
}

// rule evaluates one rule: "" when it does not match or has no verdict.
func (e *evaluator) rule(exprs []map[string]json.RawMessage) (string, error) {
	for _, ex := range exprs {
		for key, raw := range ex {
			v, cont, err := e.statement(key, raw)
			if err != nil || !cont {
				return v, err
			}
		}
	}
	return "", nil
}
