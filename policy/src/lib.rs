//! Who may do what: the policy gate over casbin, and the systems-of-records (SORN) model. Built in foundation 5 and the systems-of-records issue; empty until then.
