// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contracts

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// LoanRegistryMetaData contains all meta data concerning the LoanRegistry contract.
var LoanRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"anchorer\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"AccessControlBadConfirmation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"neededRole\",\"type\":\"bytes32\"}],\"name\":\"AccessControlUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"BatchAlreadyAnchored\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EnforcedPause\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ExpectedPause\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"kind\",\"type\":\"uint8\"}],\"name\":\"InvalidKind\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"}],\"name\":\"LoanAlreadyRepaid\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"}],\"name\":\"LoanAlreadyStored\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"}],\"name\":\"LoanNotFound\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"UnknownBatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"UnknownBatchSeq\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroCommitment\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroRoot\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint32\",\"name\":\"leafCount\",\"type\":\"uint32\"}],\"name\":\"BatchAnchored\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"repaymentCommitment\",\"type\":\"bytes32\"}],\"name\":\"LoanRepaid\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"borrower\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"lender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"LoanStored\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"Paused\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"previousAdminRole\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"newAdminRole\",\"type\":\"bytes32\"}],\"name\":\"RoleAdminChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"RoleGranted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"RoleRevoked\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"Unpaused\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"ANCHORER_ROLE\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"DEFAULT_ADMIN_ROLE\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"KIND_APPROVED\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"KIND_REPAID\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"VERSION\",\"outputs\":[{\"internalType\":\"uint16\",\"name\":\"\",\"type\":\"uint16\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint32\",\"name\":\"leafCount\",\"type\":\"uint32\"}],\"name\":\"anchorBatch\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"batchBySeq\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"anchoredAt\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"blockNumber\",\"type\":\"uint64\"},{\"internalType\":\"uint32\",\"name\":\"leafCount\",\"type\":\"uint32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"batchCount\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"getBatch\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"anchoredAt\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"blockNumber\",\"type\":\"uint64\"},{\"internalType\":\"uint32\",\"name\":\"leafCount\",\"type\":\"uint32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"}],\"name\":\"getLoan\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"borrower\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"lender\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"storedAt\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"repaidAt\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"}],\"name\":\"getRoleAdmin\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"grantRole\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"hasRole\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"kind\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"leafHash\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"repaymentCommitment\",\"type\":\"bytes32\"}],\"name\":\"markRepaid\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"pause\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"paused\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"callerConfirmation\",\"type\":\"address\"}],\"name\":\"renounceRole\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"role\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"revokeRole\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"borrower\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"lender\",\"type\":\"address\"}],\"name\":\"storeLoan\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"unpause\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"loanKey\",\"type\":\"bytes32\"},{\"internalType\":\"uint8\",\"name\":\"kind\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"}],\"name\":\"verifyLeaf\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "LoanRegistry",
	Bin: "0x608060405234801561000f575f5ffd5b506040516118fe3803806118fe83398101604081905261002e9161016a565b6001600160a01b038216158061004b57506001600160a01b038116155b156100695760405163d92e233d60e01b815260040160405180910390fd5b6100735f836100a6565b5061009e7f4b3e6527f1b0d33beb6c20e3c362af276f03c4526b5f8b6d118672f0d75a60eb826100a6565b50505061019b565b5f828152602081815260408083206001600160a01b038516845290915281205460ff16610146575f838152602081815260408083206001600160a01b03861684529091529020805460ff191660011790556100fe3390565b6001600160a01b0316826001600160a01b0316847f2f8788117e7eff1d82e926ec794901d17c78024a50270940304540a733656f0d60405160405180910390a4506001610149565b505f5b92915050565b80516001600160a01b0381168114610165575f5ffd5b919050565b5f5f6040838503121561017b575f5ffd5b6101848361014f565b91506101926020840161014f565b90509250929050565b611756806101a85f395ff3fe608060405234801561000f575f5ffd5b5060043610610184575f3560e01c80637cfd9a51116100dd57806397077da911610088578063e5ea643011610063578063e5ea6430146103b5578063ed42136f146103ff578063ffa1ad7414610449575f5ffd5b806397077da914610388578063a217fddf1461039b578063d547741f146103a2575f5ffd5b806386f623aa116100b857806386f623aa146102d15780638932f5f7146102e457806391d1485414610345575f5ffd5b80637cfd9a511461029a578063809b84ca146102c15780638456cb59146102c9575f5ffd5b80633b48f0ab1161013d5780635c975abb116101185780635c975abb146102625780635d98dd611461026d5780636279413414610287575f5ffd5b80633b48f0ab146102345780633f4ba83a1461024757806358c86ed21461024f575f5ffd5b8063248a9ca31161016d578063248a9ca3146101dc5780632f2ff15d1461020c57806336568abe14610221575f5ffd5b806301ffc9a71461018857806306f13056146101b0575b5f5ffd5b61019b610196366004611466565b610464565b60405190151581526020015b60405180910390f35b600154610100900467ffffffffffffffff165b60405167ffffffffffffffff90911681526020016101a7565b6101fe6101ea3660046114a5565b5f9081526020819052604090206001015490565b6040519081526020016101a7565b61021f61021a3660046114e4565b6104fc565b005b61021f61022f3660046114e4565b610526565b6101fe61024236600461151e565b610584565b61021f610658565b61019b61025d366004611551565b61066d565b60015460ff1661019b565b610275600181565b60405160ff90911681526020016101a7565b61021f6102953660046115ee565b6106e1565b6101fe7f4b3e6527f1b0d33beb6c20e3c362af276f03c4526b5f8b6d118672f0d75a60eb81565b610275600281565b61021f6108a5565b61021f6102df36600461160e565b6108b7565b6102f76102f23660046114a5565b610ad3565b6040805195865273ffffffffffffffffffffffffffffffffffffffff9485166020870152939092169284019290925267ffffffffffffffff918216606084015216608082015260a0016101a7565b61019b6103533660046114e4565b5f9182526020828152604080842073ffffffffffffffffffffffffffffffffffffffff93909316845291905290205460ff1690565b6101c3610396366004611651565b610bc3565b6101fe5f81565b61021f6103b03660046114e4565b610e9f565b6103c86103c3366004611687565b610ec3565b6040516101a7949392919093845267ffffffffffffffff92831660208501529116604083015263ffffffff16606082015260800190565b61041261040d3660046114a5565b610f8b565b6040805167ffffffffffffffff95861681529385166020850152919093169082015263ffffffff90911660608201526080016101a7565b610451600181565b60405161ffff90911681526020016101a7565b5f7fffffffff0000000000000000000000000000000000000000000000000000000082167f7965db0b0000000000000000000000000000000000000000000000000000000014806104f657507f01ffc9a7000000000000000000000000000000000000000000000000000000007fffffffff000000000000000000000000000000000000000000000000000000008316145b92915050565b5f8281526020819052604090206001015461051681611049565b6105208383611053565b50505050565b73ffffffffffffffffffffffffffffffffffffffff81163314610575576040517f6697b23200000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b61057f828261114c565b505050565b5f60ff831660011480159061059d575060ff8316600214155b156105de576040517f0481832000000000000000000000000000000000000000000000000000000000815260ff841660048201526024015b60405180910390fd5b604080516020810186905260ff85169181019190915260608101839052608001604080517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0818403018152828252805160209182012090830152016040516020818303038152906040528051906020012090509392505050565b5f61066281611049565b61066a611205565b50565b5f8681526003602052604081205467ffffffffffffffff1681036106c0576040517f877402b0000000000000000000000000000000000000000000000000000000008152600481018890526024016105d5565b6106d68383896106d18a8a8a610584565b611282565b979650505050505050565b7f4b3e6527f1b0d33beb6c20e3c362af276f03c4526b5f8b6d118672f0d75a60eb61070b81611049565b610713611299565b8161074a576040517f51bda03d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f838152600260205260408120600181015490917401000000000000000000000000000000000000000090910465ffffffffffff1690036107ba576040517fbc5f10ed000000000000000000000000000000000000000000000000000000008152600481018590526024016105d5565b60018101547a010000000000000000000000000000000000000000000000000000900465ffffffffffff161561081f576040517fd0438032000000000000000000000000000000000000000000000000000000008152600481018590526024016105d5565b60018101805479ffffffffffffffffffffffffffffffffffffffffffffffffffff167a0100000000000000000000000000000000000000000000000000004265ffffffffffff160217905560405183815284907f05c45a08a549076524f19c2fb4481e9936a519b136f5b6e3400f8364374423bb9060200160405180910390a250505050565b5f6108af81611049565b61066a6112d8565b7f4b3e6527f1b0d33beb6c20e3c362af276f03c4526b5f8b6d118672f0d75a60eb6108e181611049565b6108e9611299565b83610920576040517f51bda03d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f858152600260205260409020600181015474010000000000000000000000000000000000000000900465ffffffffffff161561098c576040517f0c0035f7000000000000000000000000000000000000000000000000000000008152600481018790526024016105d5565b8481556001810180547fffffffffffff000000000000000000000000000000000000000000000000000016740100000000000000000000000000000000000000004265ffffffffffff16027fffffffffffffffffffffffff0000000000000000000000000000000000000000161773ffffffffffffffffffffffffffffffffffffffff86811691909117909155831615610a63576002810180547fffffffffffffffffffffffff00000000000000000000000000000000000000001673ffffffffffffffffffffffffffffffffffffffff85161790555b8273ffffffffffffffffffffffffffffffffffffffff168473ffffffffffffffffffffffffffffffffffffffff16877f44d5d46cd1f17e1bd3b93dc6e57e74fc4eecefe97f70e02dff08ac5d9d4e9ba088604051610ac391815260200190565b60405180910390a4505050505050565b5f8181526002602052604081206001810154829182918291829174010000000000000000000000000000000000000000900465ffffffffffff168203610b48576040517fbc5f10ed000000000000000000000000000000000000000000000000000000008152600481018890526024016105d5565b8054600182015460029092015490965073ffffffffffffffffffffffffffffffffffffffff808316965016935065ffffffffffff740100000000000000000000000000000000000000008204811693507a01000000000000000000000000000000000000000000000000000090910416905091939590929450565b5f7f4b3e6527f1b0d33beb6c20e3c362af276f03c4526b5f8b6d118672f0d75a60eb610bee81611049565b610bf6611299565b83610c2d576040517fb263ae7300000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b8263ffffffff165f03610c6c576040517fc2e5347d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f848152600360205260409020805467ffffffffffffffff1615610cd25780546040517fc27e95da0000000000000000000000000000000000000000000000000000000081526004810187905267ffffffffffffffff90911660248201526044016105d5565b60018054906101000a900467ffffffffffffffff166001610cf391906116ae565b9250826001806101000a81548167ffffffffffffffff021916908367ffffffffffffffff16021790555060405180608001604052808467ffffffffffffffff1681526020014265ffffffffffff1681526020014367ffffffffffffffff1681526020018563ffffffff1681525060035f8781526020019081526020015f205f820151815f015f6101000a81548167ffffffffffffffff021916908367ffffffffffffffff1602179055506020820151815f0160086101000a81548165ffffffffffff021916908365ffffffffffff1602179055506040820151815f01600e6101000a81548167ffffffffffffffff021916908367ffffffffffffffff1602179055506060820151815f0160166101000a81548163ffffffff021916908363ffffffff1602179055509050508460045f8567ffffffffffffffff1667ffffffffffffffff1681526020019081526020015f20819055508267ffffffffffffffff16857f3dbb13a5ba6fbea53051bbc7bd09aa6d5fbf889bf02eadc0d2ef8950ba0a4af886604051610e8f919063ffffffff91909116815260200190565b60405180910390a3505092915050565b5f82815260208190526040902060010154610eb981611049565b610520838361114c565b67ffffffffffffffff81165f9081526004602052604081205490808083610f22576040517f9a2e13b400000000000000000000000000000000000000000000000000000000815267ffffffffffffffff861660048201526024016105d5565b5050505f81815260036020526040902054909268010000000000000000820465ffffffffffff1692506e010000000000000000000000000000820467ffffffffffffffff1691760100000000000000000000000000000000000000000000900463ffffffff1690565b5f81815260036020526040812080548291829182919067ffffffffffffffff168203610fe6576040517f877402b0000000000000000000000000000000000000000000000000000000008152600481018790526024016105d5565b5467ffffffffffffffff8082169768010000000000000000830465ffffffffffff1697506e0100000000000000000000000000008304909116955076010000000000000000000000000000000000000000000090910463ffffffff169350915050565b61066a8133611331565b5f8281526020818152604080832073ffffffffffffffffffffffffffffffffffffffff8516845290915281205460ff16611145575f8381526020818152604080832073ffffffffffffffffffffffffffffffffffffffff86168452909152902080547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff001660011790556110e33390565b73ffffffffffffffffffffffffffffffffffffffff168273ffffffffffffffffffffffffffffffffffffffff16847f2f8788117e7eff1d82e926ec794901d17c78024a50270940304540a733656f0d60405160405180910390a45060016104f6565b505f6104f6565b5f8281526020818152604080832073ffffffffffffffffffffffffffffffffffffffff8516845290915281205460ff1615611145575f8381526020818152604080832073ffffffffffffffffffffffffffffffffffffffff8616808552925280832080547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0016905551339286917ff6391f5c32d9c69d2a47ea670b442974b53935d1edc7fd64eb21e047a839171b9190a45060016104f6565b61120d6113ba565b600180547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff001690557f5db9ee0a495bf2e6ff9c91a7834c1ba4fdd244a5e8aa4e537bd38aeae4b073aa335b60405173ffffffffffffffffffffffffffffffffffffffff909116815260200160405180910390a1565b5f8261128f8686856113f6565b1495945050505050565b60015460ff16156112d6576040517fd93c066500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b565b6112e0611299565b600180547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0016811790557f62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a25833611258565b5f8281526020818152604080832073ffffffffffffffffffffffffffffffffffffffff8516845290915290205460ff166113b6576040517fe2517d3f00000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff82166004820152602481018390526044016105d5565b5050565b60015460ff166112d6576040517f8dfc202b00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f81815b8481101561142e5761142482878784818110611418576114186116f3565b90506020020135611437565b91506001016113fa565b50949350505050565b5f818310611451575f82815260208490526040902061145f565b5f8381526020839052604090205b9392505050565b5f60208284031215611476575f5ffd5b81357fffffffff000000000000000000000000000000000000000000000000000000008116811461145f575f5ffd5b5f602082840312156114b5575f5ffd5b5035919050565b803573ffffffffffffffffffffffffffffffffffffffff811681146114df575f5ffd5b919050565b5f5f604083850312156114f5575f5ffd5b82359150611505602084016114bc565b90509250929050565b803560ff811681146114df575f5ffd5b5f5f5f60608486031215611530575f5ffd5b833592506115406020850161150e565b929592945050506040919091013590565b5f5f5f5f5f5f60a08789031215611566575f5ffd5b863595506020870135945061157d6040880161150e565b935060608701359250608087013567ffffffffffffffff81111561159f575f5ffd5b8701601f810189136115af575f5ffd5b803567ffffffffffffffff8111156115c5575f5ffd5b8960208260051b84010111156115d9575f5ffd5b60208201935080925050509295509295509295565b5f5f604083850312156115ff575f5ffd5b50508035926020909101359150565b5f5f5f5f60808587031215611621575f5ffd5b8435935060208501359250611638604086016114bc565b9150611646606086016114bc565b905092959194509250565b5f5f60408385031215611662575f5ffd5b82359150602083013563ffffffff8116811461167c575f5ffd5b809150509250929050565b5f60208284031215611697575f5ffd5b813567ffffffffffffffff8116811461145f575f5ffd5b67ffffffffffffffff81811683821601908111156104f6577f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b7f4e487b71000000000000000000000000000000000000000000000000000000005f52603260045260245ffdfea2646970667358221220e0d8272632df443dfd844d3f055756fe6e43aff42d14b46a966c81aab2e99f6464736f6c63430008250033",
}

// LoanRegistry is an auto generated Go binding around an Ethereum contract.
type LoanRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *LoanRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewLoanRegistry creates a new instance of LoanRegistry.
func NewLoanRegistry() *LoanRegistry {
	parsed, err := LoanRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &LoanRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *LoanRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address admin, address anchorer) returns()
func (loanRegistry *LoanRegistry) PackConstructor(admin common.Address, anchorer common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("", admin, anchorer)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackANCHORERROLE is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7cfd9a51.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function ANCHORER_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) PackANCHORERROLE() []byte {
	enc, err := loanRegistry.abi.Pack("ANCHORER_ROLE")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackANCHORERROLE is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7cfd9a51.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function ANCHORER_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) TryPackANCHORERROLE() ([]byte, error) {
	return loanRegistry.abi.Pack("ANCHORER_ROLE")
}

// UnpackANCHORERROLE is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7cfd9a51.
//
// Solidity: function ANCHORER_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) UnpackANCHORERROLE(data []byte) ([32]byte, error) {
	out, err := loanRegistry.abi.Unpack("ANCHORER_ROLE", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackDEFAULTADMINROLE is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa217fddf.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function DEFAULT_ADMIN_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) PackDEFAULTADMINROLE() []byte {
	enc, err := loanRegistry.abi.Pack("DEFAULT_ADMIN_ROLE")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDEFAULTADMINROLE is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa217fddf.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function DEFAULT_ADMIN_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) TryPackDEFAULTADMINROLE() ([]byte, error) {
	return loanRegistry.abi.Pack("DEFAULT_ADMIN_ROLE")
}

// UnpackDEFAULTADMINROLE is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa217fddf.
//
// Solidity: function DEFAULT_ADMIN_ROLE() view returns(bytes32)
func (loanRegistry *LoanRegistry) UnpackDEFAULTADMINROLE(data []byte) ([32]byte, error) {
	out, err := loanRegistry.abi.Unpack("DEFAULT_ADMIN_ROLE", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackKINDAPPROVED is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5d98dd61.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function KIND_APPROVED() view returns(uint8)
func (loanRegistry *LoanRegistry) PackKINDAPPROVED() []byte {
	enc, err := loanRegistry.abi.Pack("KIND_APPROVED")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKINDAPPROVED is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5d98dd61.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function KIND_APPROVED() view returns(uint8)
func (loanRegistry *LoanRegistry) TryPackKINDAPPROVED() ([]byte, error) {
	return loanRegistry.abi.Pack("KIND_APPROVED")
}

// UnpackKINDAPPROVED is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x5d98dd61.
//
// Solidity: function KIND_APPROVED() view returns(uint8)
func (loanRegistry *LoanRegistry) UnpackKINDAPPROVED(data []byte) (uint8, error) {
	out, err := loanRegistry.abi.Unpack("KIND_APPROVED", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackKINDREPAID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x809b84ca.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function KIND_REPAID() view returns(uint8)
func (loanRegistry *LoanRegistry) PackKINDREPAID() []byte {
	enc, err := loanRegistry.abi.Pack("KIND_REPAID")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKINDREPAID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x809b84ca.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function KIND_REPAID() view returns(uint8)
func (loanRegistry *LoanRegistry) TryPackKINDREPAID() ([]byte, error) {
	return loanRegistry.abi.Pack("KIND_REPAID")
}

// UnpackKINDREPAID is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x809b84ca.
//
// Solidity: function KIND_REPAID() view returns(uint8)
func (loanRegistry *LoanRegistry) UnpackKINDREPAID(data []byte) (uint8, error) {
	out, err := loanRegistry.abi.Unpack("KIND_REPAID", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffa1ad74.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function VERSION() view returns(uint16)
func (loanRegistry *LoanRegistry) PackVERSION() []byte {
	enc, err := loanRegistry.abi.Pack("VERSION")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffa1ad74.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function VERSION() view returns(uint16)
func (loanRegistry *LoanRegistry) TryPackVERSION() ([]byte, error) {
	return loanRegistry.abi.Pack("VERSION")
}

// UnpackVERSION is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xffa1ad74.
//
// Solidity: function VERSION() view returns(uint16)
func (loanRegistry *LoanRegistry) UnpackVERSION(data []byte) (uint16, error) {
	out, err := loanRegistry.abi.Unpack("VERSION", data)
	if err != nil {
		return *new(uint16), err
	}
	out0 := *abi.ConvertType(out[0], new(uint16)).(*uint16)
	return out0, nil
}

// PackAnchorBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x97077da9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function anchorBatch(bytes32 root, uint32 leafCount) returns(uint64 seq)
func (loanRegistry *LoanRegistry) PackAnchorBatch(root [32]byte, leafCount uint32) []byte {
	enc, err := loanRegistry.abi.Pack("anchorBatch", root, leafCount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAnchorBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x97077da9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function anchorBatch(bytes32 root, uint32 leafCount) returns(uint64 seq)
func (loanRegistry *LoanRegistry) TryPackAnchorBatch(root [32]byte, leafCount uint32) ([]byte, error) {
	return loanRegistry.abi.Pack("anchorBatch", root, leafCount)
}

// UnpackAnchorBatch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x97077da9.
//
// Solidity: function anchorBatch(bytes32 root, uint32 leafCount) returns(uint64 seq)
func (loanRegistry *LoanRegistry) UnpackAnchorBatch(data []byte) (uint64, error) {
	out, err := loanRegistry.abi.Unpack("anchorBatch", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackBatchBySeq is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5ea6430.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function batchBySeq(uint64 seq) view returns(bytes32 root, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) PackBatchBySeq(seq uint64) []byte {
	enc, err := loanRegistry.abi.Pack("batchBySeq", seq)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBatchBySeq is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5ea6430.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function batchBySeq(uint64 seq) view returns(bytes32 root, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) TryPackBatchBySeq(seq uint64) ([]byte, error) {
	return loanRegistry.abi.Pack("batchBySeq", seq)
}

// BatchBySeqOutput serves as a container for the return parameters of contract
// method BatchBySeq.
type BatchBySeqOutput struct {
	Root        [32]byte
	AnchoredAt  uint64
	BlockNumber uint64
	LeafCount   uint32
}

// UnpackBatchBySeq is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe5ea6430.
//
// Solidity: function batchBySeq(uint64 seq) view returns(bytes32 root, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) UnpackBatchBySeq(data []byte) (BatchBySeqOutput, error) {
	out, err := loanRegistry.abi.Unpack("batchBySeq", data)
	outstruct := new(BatchBySeqOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Root = *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	outstruct.AnchoredAt = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	outstruct.BlockNumber = *abi.ConvertType(out[2], new(uint64)).(*uint64)
	outstruct.LeafCount = *abi.ConvertType(out[3], new(uint32)).(*uint32)
	return *outstruct, nil
}

// PackBatchCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06f13056.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function batchCount() view returns(uint64)
func (loanRegistry *LoanRegistry) PackBatchCount() []byte {
	enc, err := loanRegistry.abi.Pack("batchCount")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBatchCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06f13056.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function batchCount() view returns(uint64)
func (loanRegistry *LoanRegistry) TryPackBatchCount() ([]byte, error) {
	return loanRegistry.abi.Pack("batchCount")
}

// UnpackBatchCount is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x06f13056.
//
// Solidity: function batchCount() view returns(uint64)
func (loanRegistry *LoanRegistry) UnpackBatchCount(data []byte) (uint64, error) {
	out, err := loanRegistry.abi.Unpack("batchCount", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackGetBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xed42136f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getBatch(bytes32 root) view returns(uint64 seq, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) PackGetBatch(root [32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("getBatch", root)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xed42136f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getBatch(bytes32 root) view returns(uint64 seq, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) TryPackGetBatch(root [32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("getBatch", root)
}

// GetBatchOutput serves as a container for the return parameters of contract
// method GetBatch.
type GetBatchOutput struct {
	Seq         uint64
	AnchoredAt  uint64
	BlockNumber uint64
	LeafCount   uint32
}

// UnpackGetBatch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xed42136f.
//
// Solidity: function getBatch(bytes32 root) view returns(uint64 seq, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
func (loanRegistry *LoanRegistry) UnpackGetBatch(data []byte) (GetBatchOutput, error) {
	out, err := loanRegistry.abi.Unpack("getBatch", data)
	outstruct := new(GetBatchOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Seq = *abi.ConvertType(out[0], new(uint64)).(*uint64)
	outstruct.AnchoredAt = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	outstruct.BlockNumber = *abi.ConvertType(out[2], new(uint64)).(*uint64)
	outstruct.LeafCount = *abi.ConvertType(out[3], new(uint32)).(*uint32)
	return *outstruct, nil
}

// PackGetLoan is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8932f5f7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getLoan(bytes32 loanKey) view returns(bytes32 commitment, address borrower, address lender, uint64 storedAt, uint64 repaidAt)
func (loanRegistry *LoanRegistry) PackGetLoan(loanKey [32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("getLoan", loanKey)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetLoan is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8932f5f7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getLoan(bytes32 loanKey) view returns(bytes32 commitment, address borrower, address lender, uint64 storedAt, uint64 repaidAt)
func (loanRegistry *LoanRegistry) TryPackGetLoan(loanKey [32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("getLoan", loanKey)
}

// GetLoanOutput serves as a container for the return parameters of contract
// method GetLoan.
type GetLoanOutput struct {
	Commitment [32]byte
	Borrower   common.Address
	Lender     common.Address
	StoredAt   uint64
	RepaidAt   uint64
}

// UnpackGetLoan is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8932f5f7.
//
// Solidity: function getLoan(bytes32 loanKey) view returns(bytes32 commitment, address borrower, address lender, uint64 storedAt, uint64 repaidAt)
func (loanRegistry *LoanRegistry) UnpackGetLoan(data []byte) (GetLoanOutput, error) {
	out, err := loanRegistry.abi.Unpack("getLoan", data)
	outstruct := new(GetLoanOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Commitment = *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	outstruct.Borrower = *abi.ConvertType(out[1], new(common.Address)).(*common.Address)
	outstruct.Lender = *abi.ConvertType(out[2], new(common.Address)).(*common.Address)
	outstruct.StoredAt = *abi.ConvertType(out[3], new(uint64)).(*uint64)
	outstruct.RepaidAt = *abi.ConvertType(out[4], new(uint64)).(*uint64)
	return *outstruct, nil
}

// PackGetRoleAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x248a9ca3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getRoleAdmin(bytes32 role) view returns(bytes32)
func (loanRegistry *LoanRegistry) PackGetRoleAdmin(role [32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("getRoleAdmin", role)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetRoleAdmin is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x248a9ca3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getRoleAdmin(bytes32 role) view returns(bytes32)
func (loanRegistry *LoanRegistry) TryPackGetRoleAdmin(role [32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("getRoleAdmin", role)
}

// UnpackGetRoleAdmin is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x248a9ca3.
//
// Solidity: function getRoleAdmin(bytes32 role) view returns(bytes32)
func (loanRegistry *LoanRegistry) UnpackGetRoleAdmin(data []byte) ([32]byte, error) {
	out, err := loanRegistry.abi.Unpack("getRoleAdmin", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackGrantRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f2ff15d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function grantRole(bytes32 role, address account) returns()
func (loanRegistry *LoanRegistry) PackGrantRole(role [32]byte, account common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("grantRole", role, account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGrantRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f2ff15d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function grantRole(bytes32 role, address account) returns()
func (loanRegistry *LoanRegistry) TryPackGrantRole(role [32]byte, account common.Address) ([]byte, error) {
	return loanRegistry.abi.Pack("grantRole", role, account)
}

// PackHasRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x91d14854.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function hasRole(bytes32 role, address account) view returns(bool)
func (loanRegistry *LoanRegistry) PackHasRole(role [32]byte, account common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("hasRole", role, account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackHasRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x91d14854.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function hasRole(bytes32 role, address account) view returns(bool)
func (loanRegistry *LoanRegistry) TryPackHasRole(role [32]byte, account common.Address) ([]byte, error) {
	return loanRegistry.abi.Pack("hasRole", role, account)
}

// UnpackHasRole is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x91d14854.
//
// Solidity: function hasRole(bytes32 role, address account) view returns(bool)
func (loanRegistry *LoanRegistry) UnpackHasRole(data []byte) (bool, error) {
	out, err := loanRegistry.abi.Unpack("hasRole", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLeafHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3b48f0ab.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function leafHash(bytes32 loanKey, uint8 kind, bytes32 commitment) pure returns(bytes32)
func (loanRegistry *LoanRegistry) PackLeafHash(loanKey [32]byte, kind uint8, commitment [32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("leafHash", loanKey, kind, commitment)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLeafHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3b48f0ab.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function leafHash(bytes32 loanKey, uint8 kind, bytes32 commitment) pure returns(bytes32)
func (loanRegistry *LoanRegistry) TryPackLeafHash(loanKey [32]byte, kind uint8, commitment [32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("leafHash", loanKey, kind, commitment)
}

// UnpackLeafHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3b48f0ab.
//
// Solidity: function leafHash(bytes32 loanKey, uint8 kind, bytes32 commitment) pure returns(bytes32)
func (loanRegistry *LoanRegistry) UnpackLeafHash(data []byte) ([32]byte, error) {
	out, err := loanRegistry.abi.Unpack("leafHash", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackMarkRepaid is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x62794134.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function markRepaid(bytes32 loanKey, bytes32 repaymentCommitment) returns()
func (loanRegistry *LoanRegistry) PackMarkRepaid(loanKey [32]byte, repaymentCommitment [32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("markRepaid", loanKey, repaymentCommitment)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMarkRepaid is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x62794134.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function markRepaid(bytes32 loanKey, bytes32 repaymentCommitment) returns()
func (loanRegistry *LoanRegistry) TryPackMarkRepaid(loanKey [32]byte, repaymentCommitment [32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("markRepaid", loanKey, repaymentCommitment)
}

// PackPause is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8456cb59.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pause() returns()
func (loanRegistry *LoanRegistry) PackPause() []byte {
	enc, err := loanRegistry.abi.Pack("pause")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPause is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8456cb59.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pause() returns()
func (loanRegistry *LoanRegistry) TryPackPause() ([]byte, error) {
	return loanRegistry.abi.Pack("pause")
}

// PackPaused is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5c975abb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function paused() view returns(bool)
func (loanRegistry *LoanRegistry) PackPaused() []byte {
	enc, err := loanRegistry.abi.Pack("paused")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPaused is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5c975abb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function paused() view returns(bool)
func (loanRegistry *LoanRegistry) TryPackPaused() ([]byte, error) {
	return loanRegistry.abi.Pack("paused")
}

// UnpackPaused is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x5c975abb.
//
// Solidity: function paused() view returns(bool)
func (loanRegistry *LoanRegistry) UnpackPaused(data []byte) (bool, error) {
	out, err := loanRegistry.abi.Unpack("paused", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackRenounceRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x36568abe.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceRole(bytes32 role, address callerConfirmation) returns()
func (loanRegistry *LoanRegistry) PackRenounceRole(role [32]byte, callerConfirmation common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("renounceRole", role, callerConfirmation)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRenounceRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x36568abe.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function renounceRole(bytes32 role, address callerConfirmation) returns()
func (loanRegistry *LoanRegistry) TryPackRenounceRole(role [32]byte, callerConfirmation common.Address) ([]byte, error) {
	return loanRegistry.abi.Pack("renounceRole", role, callerConfirmation)
}

// PackRevokeRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd547741f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function revokeRole(bytes32 role, address account) returns()
func (loanRegistry *LoanRegistry) PackRevokeRole(role [32]byte, account common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("revokeRole", role, account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRevokeRole is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd547741f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function revokeRole(bytes32 role, address account) returns()
func (loanRegistry *LoanRegistry) TryPackRevokeRole(role [32]byte, account common.Address) ([]byte, error) {
	return loanRegistry.abi.Pack("revokeRole", role, account)
}

// PackStoreLoan is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x86f623aa.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function storeLoan(bytes32 loanKey, bytes32 commitment, address borrower, address lender) returns()
func (loanRegistry *LoanRegistry) PackStoreLoan(loanKey [32]byte, commitment [32]byte, borrower common.Address, lender common.Address) []byte {
	enc, err := loanRegistry.abi.Pack("storeLoan", loanKey, commitment, borrower, lender)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStoreLoan is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x86f623aa.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function storeLoan(bytes32 loanKey, bytes32 commitment, address borrower, address lender) returns()
func (loanRegistry *LoanRegistry) TryPackStoreLoan(loanKey [32]byte, commitment [32]byte, borrower common.Address, lender common.Address) ([]byte, error) {
	return loanRegistry.abi.Pack("storeLoan", loanKey, commitment, borrower, lender)
}

// PackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (loanRegistry *LoanRegistry) PackSupportsInterface(interfaceId [4]byte) []byte {
	enc, err := loanRegistry.abi.Pack("supportsInterface", interfaceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (loanRegistry *LoanRegistry) TryPackSupportsInterface(interfaceId [4]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("supportsInterface", interfaceId)
}

// UnpackSupportsInterface is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (loanRegistry *LoanRegistry) UnpackSupportsInterface(data []byte) (bool, error) {
	out, err := loanRegistry.abi.Unpack("supportsInterface", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackUnpause is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3f4ba83a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function unpause() returns()
func (loanRegistry *LoanRegistry) PackUnpause() []byte {
	enc, err := loanRegistry.abi.Pack("unpause")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUnpause is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3f4ba83a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function unpause() returns()
func (loanRegistry *LoanRegistry) TryPackUnpause() ([]byte, error) {
	return loanRegistry.abi.Pack("unpause")
}

// PackVerifyLeaf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x58c86ed2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function verifyLeaf(bytes32 root, bytes32 loanKey, uint8 kind, bytes32 commitment, bytes32[] proof) view returns(bool)
func (loanRegistry *LoanRegistry) PackVerifyLeaf(root [32]byte, loanKey [32]byte, kind uint8, commitment [32]byte, proof [][32]byte) []byte {
	enc, err := loanRegistry.abi.Pack("verifyLeaf", root, loanKey, kind, commitment, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVerifyLeaf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x58c86ed2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function verifyLeaf(bytes32 root, bytes32 loanKey, uint8 kind, bytes32 commitment, bytes32[] proof) view returns(bool)
func (loanRegistry *LoanRegistry) TryPackVerifyLeaf(root [32]byte, loanKey [32]byte, kind uint8, commitment [32]byte, proof [][32]byte) ([]byte, error) {
	return loanRegistry.abi.Pack("verifyLeaf", root, loanKey, kind, commitment, proof)
}

// UnpackVerifyLeaf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x58c86ed2.
//
// Solidity: function verifyLeaf(bytes32 root, bytes32 loanKey, uint8 kind, bytes32 commitment, bytes32[] proof) view returns(bool)
func (loanRegistry *LoanRegistry) UnpackVerifyLeaf(data []byte) (bool, error) {
	out, err := loanRegistry.abi.Unpack("verifyLeaf", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// LoanRegistryBatchAnchored represents a BatchAnchored event raised by the LoanRegistry contract.
type LoanRegistryBatchAnchored struct {
	Root      [32]byte
	Seq       uint64
	LeafCount uint32
	Raw       *types.Log // Blockchain specific contextual infos
}

const LoanRegistryBatchAnchoredEventName = "BatchAnchored"

// ContractEventName returns the user-defined event name.
func (LoanRegistryBatchAnchored) ContractEventName() string {
	return LoanRegistryBatchAnchoredEventName
}

// UnpackBatchAnchoredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatchAnchored(bytes32 indexed root, uint64 indexed seq, uint32 leafCount)
func (loanRegistry *LoanRegistry) UnpackBatchAnchoredEvent(log *types.Log) (*LoanRegistryBatchAnchored, error) {
	event := "BatchAnchored"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryBatchAnchored)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryLoanRepaid represents a LoanRepaid event raised by the LoanRegistry contract.
type LoanRegistryLoanRepaid struct {
	LoanKey             [32]byte
	RepaymentCommitment [32]byte
	Raw                 *types.Log // Blockchain specific contextual infos
}

const LoanRegistryLoanRepaidEventName = "LoanRepaid"

// ContractEventName returns the user-defined event name.
func (LoanRegistryLoanRepaid) ContractEventName() string {
	return LoanRegistryLoanRepaidEventName
}

// UnpackLoanRepaidEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event LoanRepaid(bytes32 indexed loanKey, bytes32 repaymentCommitment)
func (loanRegistry *LoanRegistry) UnpackLoanRepaidEvent(log *types.Log) (*LoanRegistryLoanRepaid, error) {
	event := "LoanRepaid"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryLoanRepaid)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryLoanStored represents a LoanStored event raised by the LoanRegistry contract.
type LoanRegistryLoanStored struct {
	LoanKey    [32]byte
	Borrower   common.Address
	Lender     common.Address
	Commitment [32]byte
	Raw        *types.Log // Blockchain specific contextual infos
}

const LoanRegistryLoanStoredEventName = "LoanStored"

// ContractEventName returns the user-defined event name.
func (LoanRegistryLoanStored) ContractEventName() string {
	return LoanRegistryLoanStoredEventName
}

// UnpackLoanStoredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event LoanStored(bytes32 indexed loanKey, address indexed borrower, address indexed lender, bytes32 commitment)
func (loanRegistry *LoanRegistry) UnpackLoanStoredEvent(log *types.Log) (*LoanRegistryLoanStored, error) {
	event := "LoanStored"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryLoanStored)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryPaused represents a Paused event raised by the LoanRegistry contract.
type LoanRegistryPaused struct {
	Account common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const LoanRegistryPausedEventName = "Paused"

// ContractEventName returns the user-defined event name.
func (LoanRegistryPaused) ContractEventName() string {
	return LoanRegistryPausedEventName
}

// UnpackPausedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Paused(address account)
func (loanRegistry *LoanRegistry) UnpackPausedEvent(log *types.Log) (*LoanRegistryPaused, error) {
	event := "Paused"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryPaused)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryRoleAdminChanged represents a RoleAdminChanged event raised by the LoanRegistry contract.
type LoanRegistryRoleAdminChanged struct {
	Role              [32]byte
	PreviousAdminRole [32]byte
	NewAdminRole      [32]byte
	Raw               *types.Log // Blockchain specific contextual infos
}

const LoanRegistryRoleAdminChangedEventName = "RoleAdminChanged"

// ContractEventName returns the user-defined event name.
func (LoanRegistryRoleAdminChanged) ContractEventName() string {
	return LoanRegistryRoleAdminChangedEventName
}

// UnpackRoleAdminChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole)
func (loanRegistry *LoanRegistry) UnpackRoleAdminChangedEvent(log *types.Log) (*LoanRegistryRoleAdminChanged, error) {
	event := "RoleAdminChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryRoleAdminChanged)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryRoleGranted represents a RoleGranted event raised by the LoanRegistry contract.
type LoanRegistryRoleGranted struct {
	Role    [32]byte
	Account common.Address
	Sender  common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const LoanRegistryRoleGrantedEventName = "RoleGranted"

// ContractEventName returns the user-defined event name.
func (LoanRegistryRoleGranted) ContractEventName() string {
	return LoanRegistryRoleGrantedEventName
}

// UnpackRoleGrantedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)
func (loanRegistry *LoanRegistry) UnpackRoleGrantedEvent(log *types.Log) (*LoanRegistryRoleGranted, error) {
	event := "RoleGranted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryRoleGranted)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryRoleRevoked represents a RoleRevoked event raised by the LoanRegistry contract.
type LoanRegistryRoleRevoked struct {
	Role    [32]byte
	Account common.Address
	Sender  common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const LoanRegistryRoleRevokedEventName = "RoleRevoked"

// ContractEventName returns the user-defined event name.
func (LoanRegistryRoleRevoked) ContractEventName() string {
	return LoanRegistryRoleRevokedEventName
}

// UnpackRoleRevokedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)
func (loanRegistry *LoanRegistry) UnpackRoleRevokedEvent(log *types.Log) (*LoanRegistryRoleRevoked, error) {
	event := "RoleRevoked"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryRoleRevoked)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// LoanRegistryUnpaused represents a Unpaused event raised by the LoanRegistry contract.
type LoanRegistryUnpaused struct {
	Account common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const LoanRegistryUnpausedEventName = "Unpaused"

// ContractEventName returns the user-defined event name.
func (LoanRegistryUnpaused) ContractEventName() string {
	return LoanRegistryUnpausedEventName
}

// UnpackUnpausedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Unpaused(address account)
func (loanRegistry *LoanRegistry) UnpackUnpausedEvent(log *types.Log) (*LoanRegistryUnpaused, error) {
	event := "Unpaused"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != loanRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(LoanRegistryUnpaused)
	if len(log.Data) > 0 {
		if err := loanRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range loanRegistry.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (loanRegistry *LoanRegistry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["AccessControlBadConfirmation"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackAccessControlBadConfirmationError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["AccessControlUnauthorizedAccount"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackAccessControlUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["BatchAlreadyAnchored"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackBatchAlreadyAnchoredError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["EmptyBatch"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackEmptyBatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["EnforcedPause"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackEnforcedPauseError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["ExpectedPause"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackExpectedPauseError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["InvalidKind"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackInvalidKindError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["LoanAlreadyRepaid"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackLoanAlreadyRepaidError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["LoanAlreadyStored"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackLoanAlreadyStoredError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["LoanNotFound"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackLoanNotFoundError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["UnknownBatch"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackUnknownBatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["UnknownBatchSeq"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackUnknownBatchSeqError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackZeroAddressError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["ZeroCommitment"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackZeroCommitmentError(raw[4:])
	}
	if bytes.Equal(raw[:4], loanRegistry.abi.Errors["ZeroRoot"].ID.Bytes()[:4]) {
		return loanRegistry.UnpackZeroRootError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// LoanRegistryAccessControlBadConfirmation represents a AccessControlBadConfirmation error raised by the LoanRegistry contract.
type LoanRegistryAccessControlBadConfirmation struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AccessControlBadConfirmation()
func LoanRegistryAccessControlBadConfirmationErrorID() common.Hash {
	return common.HexToHash("0x6697b23232a647058342c0724fe7c415cab25915b54e5dbc03f233173d37b41c")
}

// UnpackAccessControlBadConfirmationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AccessControlBadConfirmation()
func (loanRegistry *LoanRegistry) UnpackAccessControlBadConfirmationError(raw []byte) (*LoanRegistryAccessControlBadConfirmation, error) {
	out := new(LoanRegistryAccessControlBadConfirmation)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "AccessControlBadConfirmation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryAccessControlUnauthorizedAccount represents a AccessControlUnauthorizedAccount error raised by the LoanRegistry contract.
type LoanRegistryAccessControlUnauthorizedAccount struct {
	Account    common.Address
	NeededRole [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)
func LoanRegistryAccessControlUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0xe2517d3fbfae6f8515ef5ff1ccedc3933ab0cbbda0b492c06eb54ad10ef03b3e")
}

// UnpackAccessControlUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)
func (loanRegistry *LoanRegistry) UnpackAccessControlUnauthorizedAccountError(raw []byte) (*LoanRegistryAccessControlUnauthorizedAccount, error) {
	out := new(LoanRegistryAccessControlUnauthorizedAccount)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "AccessControlUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryBatchAlreadyAnchored represents a BatchAlreadyAnchored error raised by the LoanRegistry contract.
type LoanRegistryBatchAlreadyAnchored struct {
	Root [32]byte
	Seq  uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BatchAlreadyAnchored(bytes32 root, uint64 seq)
func LoanRegistryBatchAlreadyAnchoredErrorID() common.Hash {
	return common.HexToHash("0xc27e95da1f1cb1dfea1646a2fd3a3db69293e4373751fb62736ac82fc672f3f9")
}

// UnpackBatchAlreadyAnchoredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BatchAlreadyAnchored(bytes32 root, uint64 seq)
func (loanRegistry *LoanRegistry) UnpackBatchAlreadyAnchoredError(raw []byte) (*LoanRegistryBatchAlreadyAnchored, error) {
	out := new(LoanRegistryBatchAlreadyAnchored)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "BatchAlreadyAnchored", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryEmptyBatch represents a EmptyBatch error raised by the LoanRegistry contract.
type LoanRegistryEmptyBatch struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EmptyBatch()
func LoanRegistryEmptyBatchErrorID() common.Hash {
	return common.HexToHash("0xc2e5347df6cf8d1bf68f8a9651642312bd381b900d857d97cd665976180d6ae0")
}

// UnpackEmptyBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EmptyBatch()
func (loanRegistry *LoanRegistry) UnpackEmptyBatchError(raw []byte) (*LoanRegistryEmptyBatch, error) {
	out := new(LoanRegistryEmptyBatch)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "EmptyBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryEnforcedPause represents a EnforcedPause error raised by the LoanRegistry contract.
type LoanRegistryEnforcedPause struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EnforcedPause()
func LoanRegistryEnforcedPauseErrorID() common.Hash {
	return common.HexToHash("0xd93c0665d6c96d04a8f174024fc4ddd66c250604aff22bbec808de86dd3637e3")
}

// UnpackEnforcedPauseError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EnforcedPause()
func (loanRegistry *LoanRegistry) UnpackEnforcedPauseError(raw []byte) (*LoanRegistryEnforcedPause, error) {
	out := new(LoanRegistryEnforcedPause)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "EnforcedPause", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryExpectedPause represents a ExpectedPause error raised by the LoanRegistry contract.
type LoanRegistryExpectedPause struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ExpectedPause()
func LoanRegistryExpectedPauseErrorID() common.Hash {
	return common.HexToHash("0x8dfc202bcfe9a735b559bee70674422512bc5c30f687046ae8778315fb81da44")
}

// UnpackExpectedPauseError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ExpectedPause()
func (loanRegistry *LoanRegistry) UnpackExpectedPauseError(raw []byte) (*LoanRegistryExpectedPause, error) {
	out := new(LoanRegistryExpectedPause)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "ExpectedPause", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryInvalidKind represents a InvalidKind error raised by the LoanRegistry contract.
type LoanRegistryInvalidKind struct {
	Kind uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidKind(uint8 kind)
func LoanRegistryInvalidKindErrorID() common.Hash {
	return common.HexToHash("0x04818320379d24ecb3568e5322b502c61e7a61c3f98708123d1dbd91b8d72785")
}

// UnpackInvalidKindError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidKind(uint8 kind)
func (loanRegistry *LoanRegistry) UnpackInvalidKindError(raw []byte) (*LoanRegistryInvalidKind, error) {
	out := new(LoanRegistryInvalidKind)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "InvalidKind", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryLoanAlreadyRepaid represents a LoanAlreadyRepaid error raised by the LoanRegistry contract.
type LoanRegistryLoanAlreadyRepaid struct {
	LoanKey [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error LoanAlreadyRepaid(bytes32 loanKey)
func LoanRegistryLoanAlreadyRepaidErrorID() common.Hash {
	return common.HexToHash("0xd0438032e774bfc29d3f2b78dab0b659987d611e3b55ba134eba8d45329db58f")
}

// UnpackLoanAlreadyRepaidError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error LoanAlreadyRepaid(bytes32 loanKey)
func (loanRegistry *LoanRegistry) UnpackLoanAlreadyRepaidError(raw []byte) (*LoanRegistryLoanAlreadyRepaid, error) {
	out := new(LoanRegistryLoanAlreadyRepaid)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "LoanAlreadyRepaid", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryLoanAlreadyStored represents a LoanAlreadyStored error raised by the LoanRegistry contract.
type LoanRegistryLoanAlreadyStored struct {
	LoanKey [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error LoanAlreadyStored(bytes32 loanKey)
func LoanRegistryLoanAlreadyStoredErrorID() common.Hash {
	return common.HexToHash("0x0c0035f77f2a71b4bdd9b91c1489d0ecf0279ce2dbd8d503ed289430185cdbaf")
}

// UnpackLoanAlreadyStoredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error LoanAlreadyStored(bytes32 loanKey)
func (loanRegistry *LoanRegistry) UnpackLoanAlreadyStoredError(raw []byte) (*LoanRegistryLoanAlreadyStored, error) {
	out := new(LoanRegistryLoanAlreadyStored)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "LoanAlreadyStored", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryLoanNotFound represents a LoanNotFound error raised by the LoanRegistry contract.
type LoanRegistryLoanNotFound struct {
	LoanKey [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error LoanNotFound(bytes32 loanKey)
func LoanRegistryLoanNotFoundErrorID() common.Hash {
	return common.HexToHash("0xbc5f10ed57ffcad4413ab0cb1f31fca2f55a11fae38f87c11e26758431f46d97")
}

// UnpackLoanNotFoundError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error LoanNotFound(bytes32 loanKey)
func (loanRegistry *LoanRegistry) UnpackLoanNotFoundError(raw []byte) (*LoanRegistryLoanNotFound, error) {
	out := new(LoanRegistryLoanNotFound)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "LoanNotFound", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryUnknownBatch represents a UnknownBatch error raised by the LoanRegistry contract.
type LoanRegistryUnknownBatch struct {
	Root [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownBatch(bytes32 root)
func LoanRegistryUnknownBatchErrorID() common.Hash {
	return common.HexToHash("0x877402b0f02e72a5570fa6dee6c9f72e5c506af7dabe7cf05e71286795af739f")
}

// UnpackUnknownBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownBatch(bytes32 root)
func (loanRegistry *LoanRegistry) UnpackUnknownBatchError(raw []byte) (*LoanRegistryUnknownBatch, error) {
	out := new(LoanRegistryUnknownBatch)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "UnknownBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryUnknownBatchSeq represents a UnknownBatchSeq error raised by the LoanRegistry contract.
type LoanRegistryUnknownBatchSeq struct {
	Seq uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownBatchSeq(uint64 seq)
func LoanRegistryUnknownBatchSeqErrorID() common.Hash {
	return common.HexToHash("0x9a2e13b445a3e2730d0f7927059c2ae4a2b8f9fccdc6cafe734846455618436b")
}

// UnpackUnknownBatchSeqError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownBatchSeq(uint64 seq)
func (loanRegistry *LoanRegistry) UnpackUnknownBatchSeqError(raw []byte) (*LoanRegistryUnknownBatchSeq, error) {
	out := new(LoanRegistryUnknownBatchSeq)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "UnknownBatchSeq", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryZeroAddress represents a ZeroAddress error raised by the LoanRegistry contract.
type LoanRegistryZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func LoanRegistryZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (loanRegistry *LoanRegistry) UnpackZeroAddressError(raw []byte) (*LoanRegistryZeroAddress, error) {
	out := new(LoanRegistryZeroAddress)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryZeroCommitment represents a ZeroCommitment error raised by the LoanRegistry contract.
type LoanRegistryZeroCommitment struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroCommitment()
func LoanRegistryZeroCommitmentErrorID() common.Hash {
	return common.HexToHash("0x51bda03d1e0501533d78503e1e2347a46f6e975ed444a037dc6bdaed4bd98c29")
}

// UnpackZeroCommitmentError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroCommitment()
func (loanRegistry *LoanRegistry) UnpackZeroCommitmentError(raw []byte) (*LoanRegistryZeroCommitment, error) {
	out := new(LoanRegistryZeroCommitment)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "ZeroCommitment", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// LoanRegistryZeroRoot represents a ZeroRoot error raised by the LoanRegistry contract.
type LoanRegistryZeroRoot struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroRoot()
func LoanRegistryZeroRootErrorID() common.Hash {
	return common.HexToHash("0xb263ae738e814ca9af6ee56bb85daa47624e790421913c947dcba2aac07cfdbd")
}

// UnpackZeroRootError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroRoot()
func (loanRegistry *LoanRegistry) UnpackZeroRootError(raw []byte) (*LoanRegistryZeroRoot, error) {
	out := new(LoanRegistryZeroRoot)
	if err := loanRegistry.abi.UnpackIntoInterface(out, "ZeroRoot", raw); err != nil {
		return nil, err
	}
	return out, nil
}
