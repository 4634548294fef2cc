package evm

import "github.com/ethereum/go-ethereum/common"

// AdminRole is OpenZeppelin's DEFAULT_ADMIN_ROLE (zero), the registry's
// cold key: it grants and revokes AnchorerRole.
var AdminRole = common.Hash{}

// GrantRoleData returns the calldata of grantRole(role, account), which
// only a holder of the role's admin role (AdminRole) may send.
func GrantRoleData(role common.Hash, account common.Address) []byte {
	return abiRegistry.PackGrantRole(role, account)
}

// RevokeRoleData returns the calldata of revokeRole(role, account), which
// only a holder of the role's admin role (AdminRole) may send.
func RevokeRoleData(role common.Hash, account common.Address) []byte {
	return abiRegistry.PackRevokeRole(role, account)
}
