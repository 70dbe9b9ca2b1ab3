// Package inventory keeps stock levels and reservations for a small shop.
package inventory

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ErrUnknownItem is returned for a SKU the inventory has never seen.
var ErrUnknownItem = errors.New("inventory: unknown item")

// ErrShortage is returned when a reservation asks for more than is in stock.
var ErrShortage = errors.New("inventory: not enough stock")

// Item is one stock-keeping unit.
type Item struct {
	SKU      string
	Name     string
	Price    int
	Quantity int
	Reserved int
}

// Available is what can still be reserved.
func (it Item) Available() int {
	free := it.Quantity - it.Reserved
	if free < 0 {
		return 0
	}
	return free
}

// Store is a concurrency-safe inventory.
type Store struct {
	mu    sync.Mutex
	items map[string]*Item
	log   []string
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{items: make(map[string]*Item)}
}

// Add registers new stock, creating the item if needed.
func (s *Store) Add(sku, name string, price, quantity int) error {
	if sku == "" {
		return errors.New("inventory: empty SKU")
	}
	if quantity < 0 || price < 0 {
		return fmt.Errorf("inventory: negative quantity or price for %s", sku)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[sku]
	if !ok {
		it = &Item{SKU: sku, Name: name, Price: price}
		s.items[sku] = it
	}
	it.Quantity += quantity
	it.Price = price
	s.log = append(s.log, fmt.Sprintf("add %s %d", sku, quantity))
	return nil
}

// Reserve holds quantity units of an item for an order.
func (s *Store) Reserve(sku string, quantity int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[sku]
	if !ok {
		return ErrUnknownItem
	}
	if it.Available() < quantity {
		return fmt.Errorf("%w: %s has %d, want %d", ErrShortage, sku, it.Available(), quantity)
	}
	it.Reserved += quantity
	s.log = append(s.log, fmt.Sprintf("reserve %s %d", sku, quantity))
	return nil
}

// Release gives reserved units back.
func (s *Store) Release(sku string, quantity int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[sku]
	if !ok {
		return ErrUnknownItem
	}
	if quantity > it.Reserved {
		quantity = it.Reserved
	}
	it.Reserved -= quantity
	s.log = append(s.log, fmt.Sprintf("release %s %d", sku, quantity))
	return nil
}

// Ship removes reserved units from stock.
func (s *Store) Ship(sku string, quantity int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[sku]
	if !ok {
		return ErrUnknownItem
	}
	if quantity > it.Reserved {
		return fmt.Errorf("inventory: shipping %d of %s but only %d reserved", quantity, sku, it.Reserved)
	}
	it.Reserved -= quantity
	it.Quantity -= quantity
	s.log = append(s.log, fmt.Sprintf("ship %s %d", sku, quantity))
	return nil
}

// Items returns a snapshot sorted by SKU.
func (s *Store) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out
}

// Search finds items whose name contains every word of the query.
func (s *Store) Search(query string) []Item {
	words := strings.Fields(strings.ToLower(query))
	var found []Item
	for _, it := range s.Items() {
		name := strings.ToLower(it.Name)
		match := true
		for _, w := range words {
			if !strings.Contains(name, w) {
				match = false
				break
			}
		}
		if match {
			found = append(found, it)
		}
	}
	return found
}

// History returns the operations applied so far.
func (s *Store) History() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.log))
	copy(out, s.log)
	return out
}
