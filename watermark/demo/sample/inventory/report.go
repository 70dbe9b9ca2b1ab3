package inventory

import (
	"fmt"
	"io"
	"strings"
)

// Totals summarises a store.
type Totals struct {
	Items    int
	Units    int
	Reserved int
	Value    int
}

// Summarise adds up every item of the store.
func Summarise(s *Store) Totals {
	var t Totals
	for _, it := range s.Items() {
		t.Items++
		t.Units += it.Quantity
		t.Reserved += it.Reserved
		t.Value += it.Quantity * it.Price
	}
	return t
}

// LowStock lists the items with fewer than threshold units available.
func LowStock(s *Store, threshold int) []Item {
	var low []Item
	for _, it := range s.Items() {
		if it.Available() < threshold {
			low = append(low, it)
		}
	}
	return low
}

// WriteReport prints a table of the store and its totals.
func WriteReport(w io.Writer, s *Store) error {
	items := s.Items()
	width := len("SKU")
	for _, it := range items {
		if len(it.SKU) > width {
			width = len(it.SKU)
		}
	}
	header := fmt.Sprintf("%-*s  %-24s %8s %8s %10s\n", width, "SKU", "NAME", "QTY", "RESERVED", "PRICE")
	if _, err := io.WriteString(w, header); err != nil {
		return err
	}
	rule := strings.Repeat("-", len(header)-1) + "\n"
	if _, err := io.WriteString(w, rule); err != nil {
		return err
	}
	for _, it := range items {
		name := it.Name
		if len(name) > 24 {
			name = name[:21] + "..."
		}
		line := fmt.Sprintf("%-*s  %-24s %8d %8d %10s\n", width, it.SKU, name, it.Quantity, it.Reserved, money(it.Price))
		if _, err := io.WriteString(w, line); err != nil {
			return err
		}
	}
	t := Summarise(s)
	footer := fmt.Sprintf("%d items, %d units (%d reserved), stock value %s\n", t.Items, t.Units, t.Reserved, money(t.Value))
	_, err := io.WriteString(w, rule+footer)
	return err
}

func money(cents int) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	whole := cents / 100
	frac := cents % 100
	return fmt.Sprintf("%s%d.%02d", sign, whole, frac)
}
