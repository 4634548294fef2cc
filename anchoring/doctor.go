package anchoring

import (
	"context"
	"math/big"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
)

// baseDoctorDeps are the doctor's settings from the configuration.
func baseDoctorDeps(cfg *config.Config) doctor.Deps {
	deps := doctor.Deps{Finality: txmgr.Finality(cfg.Finality), Confirmations: cfg.Confirmations}
	if cfg.MaxGasPriceWei > 0 {
		deps.FeeCapWei = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	return deps
}

// DoctorDeps gathers what `aartha doctor` examines from the configuration;
// openStore opens the database. A database that cannot be opened is not an
// error here: it becomes the database check's failure. The caller must
// call the returned function to close what was opened.
func DoctorDeps(ctx context.Context, cfg *config.Config, openStore func(context.Context, *config.Config) (*store.DB, error)) (doctor.Deps, func(), error) {
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	deps := baseDoctorDeps(cfg)
	db, err := openStore(ctx, cfg)
	if err != nil {
		deps.DB = doctor.Unopened(err)
	} else {
		closers = append(closers, func() { _ = db.Close() })
		deps.DB = db
		deps.Journal = db.TxJournal()
	}
	if !cfg.EnableBlockchain {
		return deps, closeAll, nil
	}
	chainClosers, err := Diagnose(ctx, cfg, &deps)
	closers = append(closers, chainClosers...)
	if err != nil {
		closeAll()
		return deps, nil, err
	}
	return deps, closeAll, nil
}

// RunningDoctorDeps is what a running service diagnoses about itself: its
// store and, when anchoring runs (a not nil), its chain client (with
// failover, so one endpoint entry).
func RunningDoctorDeps(cfg *config.Config, db *store.DB, a *Running) doctor.Deps {
	deps := baseDoctorDeps(cfg)
	deps.DB, deps.Journal = db, db.TxJournal()
	if a != nil {
		a.Diagnose(&deps)
	}
	return deps
}
