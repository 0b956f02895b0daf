//! Authoritative lookup in one zone: RFC 1034 §4.3.2 steps 3a–3c, with RFC 4592 wildcards,
//! RFC 2308 negative answers, referrals below zone cuts, and ALIAS owners left for flattening.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, Record, RecordType};

use crate::answer::{AliasRequest, Answer, Pending};
use crate::zone::model::{Node, RrSetRef, Zone, label_starts, name_key};

/// CNAME chains longer than this inside one zone are cut off (a loop, or abuse).
pub const MAX_CNAME_HOPS: usize = 16;

enum Step {
    Done,
    Follow(Name),
}

impl Zone {
    /// Answers `qtype` at `qname`, which must be at or below the apex.
    ///
    /// The answer section's owner names keep the case of `qname` (RFC 4343 §4.1); names reached
    /// through a CNAME keep the case of the CNAME's RDATA.
    pub fn lookup(&self, qname: &Name, qtype: RecordType) -> Answer {
        let mut answer = Answer::new(ResponseCode::NoError, true);
        answer.zone = Some(self.apex().clone());
        if !self.contains(qname) {
            return Answer::refused_not_authoritative(qname);
        }
        let mut name = qname.clone();
        let mut seen: Vec<Vec<u8>> = Vec::new();
        loop {
            let key = name_key(&name);
            match self.step(&name, &key, qtype, &mut answer) {
                Step::Done => return answer,
                Step::Follow(target) => {
                    seen.push(key);
                    if seen.len() >= MAX_CNAME_HOPS || seen.contains(&name_key(&target)) {
                        return answer;
                    }
                    if !self.contains(&target) {
                        answer.pending = Pending::Cname { target, qtype };
                        return answer;
                    }
                    name = target;
                }
            }
        }
    }

    /// Finds the node for `name`: a zone cut on the way down gives a referral, a missing name
    /// goes to wildcard matching (RFC 1034 §4.3.2 step 3; RFC 4592 §3.3.1).
    fn step(&self, name: &Name, key: &[u8], qtype: RecordType, answer: &mut Answer) -> Step {
        let apex_len = self.apex_key().len();
        let mut closest = apex_len;
        for start in label_starts(key).into_iter().rev() {
            let suffix = &key[start..];
            if suffix.len() <= apex_len {
                continue;
            }
            let Some(node) = self.node_by_key(suffix) else {
                return self.no_such_name(name, &key[key.len() - closest..], qtype, answer);
            };
            if node.rrset(RecordType::NS).is_some() {
                // DS is the parent side's data (RFC 4035 §3.1.4.1), so it is answered here.
                if !(start == 0 && qtype == RecordType::DS) {
                    self.referral(node, answer);
                    return Step::Done;
                }
            }
            closest = suffix.len();
        }
        match self.node_by_key(&key[key.len() - closest..]) {
            Some(node) => self.at_node(node, name, qtype, answer),
            None => self.no_such_name(name, key, qtype, answer),
        }
    }

    /// RFC 1034 §4.3.2 step 3a, at an existing node (or a matching wildcard, with `owner` the
    /// query name, RFC 4592 §3.3.1).
    fn at_node(&self, node: &Node, owner: &Name, qtype: RecordType, answer: &mut Answer) -> Step {
        // ANY matches the CNAME itself, so it is not followed (RFC 1034 §3.7.1, §4.3.2).
        if !matches!(qtype, RecordType::CNAME | RecordType::ANY)
            && let Some(cname) = node.rrset(RecordType::CNAME)
        {
            answer.answers.extend(self.records_of(cname, owner));
            return match cname.targets().next() {
                Some(target) => Step::Follow(target),
                None => Step::Done,
            };
        }
        if qtype == RecordType::ANY {
            for set in node.rrsets() {
                answer.answers.extend(self.records_of(set, owner));
            }
            let missing: Vec<RecordType> = [RecordType::A, RecordType::AAAA]
                .into_iter()
                .filter(|t| node.rrset(*t).is_none())
                .collect();
            if !missing.is_empty() {
                self.alias_pending(node, owner, missing, answer);
            }
            if answer.answers.is_empty() && answer.pending == Pending::None {
                answer.authorities.push(self.negative_soa());
            }
            return Step::Done;
        }
        if let Some(set) = node.rrset(qtype) {
            answer.answers.extend(self.records_of(set, owner));
            self.additional_for(set, answer);
            return Step::Done;
        }
        if matches!(qtype, RecordType::A | RecordType::AAAA) && node.alias().is_some() {
            self.alias_pending(node, owner, vec![qtype], answer);
            return Step::Done;
        }
        // NODATA (RFC 2308 §2.2).
        answer.authorities.push(self.negative_soa());
        Step::Done
    }

    fn alias_pending(
        &self,
        node: &Node,
        owner: &Name,
        types: Vec<RecordType>,
        answer: &mut Answer,
    ) {
        if let Some(alias) = node.alias() {
            answer.pending = Pending::Alias(Box::new(AliasRequest {
                owner: owner.clone(),
                target: alias.target,
                ttl: alias.ttl,
                types,
                negative_soa: self.negative_soa(),
            }));
        }
    }

    /// No node at `name`: synthesise from `*.<closest encloser>`, or NXDOMAIN (RFC 4592 §3.3.1,
    /// RFC 2308 §2.1).
    fn no_such_name(
        &self,
        name: &Name,
        encloser: &[u8],
        qtype: RecordType,
        answer: &mut Answer,
    ) -> Step {
        let mut wildcard = Vec::with_capacity(encloser.len() + 2);
        wildcard.extend_from_slice(&[1, b'*']);
        wildcard.extend_from_slice(encloser);
        if let Some(source) = self.node_by_key(&wildcard) {
            return self.at_node(source, name, qtype, answer);
        }
        answer.rcode = ResponseCode::NXDomain;
        answer.authorities.push(self.negative_soa());
        Step::Done
    }

    /// A referral (RFC 1034 §4.3.2 step 3b): NS of the cut in authority, glue in additional.
    fn referral(&self, cut: &Node, answer: &mut Answer) {
        if answer.answers.is_empty() {
            answer.authoritative = false;
        }
        if let Some(ns) = cut.rrset(RecordType::NS) {
            answer.authorities.extend(self.records_of(ns, &cut.name()));
            self.additional_for(ns, answer);
        }
    }

    /// Additional-section processing (RFC 1035 §3.3, RFC 2782): addresses of in-zone targets
    /// of NS, MX and SRV records.
    fn additional_for(&self, set: RrSetRef<'_>, answer: &mut Answer) {
        if !matches!(set.rtype, RecordType::NS | RecordType::MX | RecordType::SRV) {
            return;
        }
        for target in set.targets() {
            // A shard also carries the addresses of targets held by other shards.
            if !self.apex().zone_of(&target) {
                continue;
            }
            if let Some(node) = self.node(&target) {
                let owner = node.name();
                for t in [RecordType::A, RecordType::AAAA] {
                    if let Some(set) = node.rrset(t) {
                        let records: Vec<Record> = set.records(&owner).collect();
                        for r in records {
                            if !answer.additionals.contains(&r) {
                                answer.additionals.push(r);
                            }
                        }
                    }
                }
            }
        }
    }
}
