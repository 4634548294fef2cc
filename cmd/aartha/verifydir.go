package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/progress"
	"github.com/aartha/ledger/receiptfolder"
)

// verifyFolder checks every *.json receipt in dir against the EVM chain at
// rpcURL (package receiptfolder), with a progress bar on a terminal and the
// receipts' own calls in JSON-RPC batches, and prints each receipt that
// fails and a summary.
func verifyFolder(cmd *cobra.Command, dir, rpcURL string) error {
	files, err := receiptfolder.List(dir)
	if err != nil {
		return err
	}
	if rpcURL == "" {
		return fmt.Errorf("--rpc is required: the JSON-RPC URL of the chain the receipts name")
	}
	bar := progress.On(cmd.ErrOrStderr(), len(files), "verifying receipts")
	// The calls each receipt makes on its own go in JSON-RPC batches.
	res, err := receiptfolder.VerifyAt(cmd.Context(), rpcURL, files, receiptfolder.Options{Progress: bar})
	bar.Finish()
	if err != nil {
		return err
	}
	res.Report(cmd.OutOrStdout())
	if res.Failed() > 0 {
		return errNotVerified{}
	}
	return nil
}
