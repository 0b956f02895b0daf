//! Authoritative lookup in one zone: RFC 1034 §4.3.2 steps 3a–3c, with RFC 4592 wildcards,
//! RFC 2308 negative answers, referrals below zone cuts, DNAME redirection (RFC 6672 §3.2),
//! and ALIAS owners left for flattening.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::CNAME;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use crate::answer::{AliasRequest, Answer, Pending};
use crate::zone::model::{Node, RrSetRef, Zone, label_starts, name_key};

/// CNAME chains longer than this inside one zone are cut off (a loop, or abuse).
pub const MAX_CNAME_HOPS: usize = 16;

enum Step {
    Done,
    Follow(Name),
}

/// `ancestor`, a suffix of `name` (or `name` itself), spelt as `name` spells it. Answers keep
/// the query's case (RFC 4343 §4.1), as Knot's do.
fn in_case_of(name: &Name, ancestor: &Name) -> Name {
    name.trim_to(ancestor.iter().len())
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

    /// Finds the node for `name`: a zone cut on the way down gives a referral, a DNAME above
    /// the name redirects it, a missing name goes to wildcard matching (RFC 1034 §4.3.2 step 3;
    /// RFC 6672 §3.2; RFC 4592 §3.3.1).
    fn step(&self, name: &Name, key: &[u8], qtype: RecordType, answer: &mut Answer) -> Step {
        let apex_len = self.apex_key().len();
        if key.len() > apex_len
            && let Some(apex) = self.node_by_key(self.apex_key())
            && let Some(dname) = apex.rrset(RecordType::DNAME)
        {
            return self.redirect(&in_case_of(name, &apex.name()), dname, name, answer);
        }
        let mut closest = apex_len;
        for start in label_starts(key).into_iter().rev() {
            let suffix = &key[start..];
            if suffix.len() <= apex_len {
                continue;
            }
            // An NSEC3 owner is not a name of the zone (RFC 5155 §7.2).
            let found = self.node_by_key(suffix);
            let Some(node) = found.filter(|node| start > 0 || !node.is_nsec3_only()) else {
                return self.no_such_name(name, &key[key.len() - closest..], qtype, answer);
            };
            if node.rrset(RecordType::NS).is_some() {
                // DS is the parent side's data (RFC 4035 §3.1.4.1), so it is answered here.
                if !(start == 0 && qtype == RecordType::DS) {
                    self.referral(&in_case_of(name, &node.name()), node, answer);
                    return Step::Done;
                }
            }
            if start > 0
                && let Some(dname) = node.rrset(RecordType::DNAME)
            {
                return self.redirect(&in_case_of(name, &node.name()), dname, name, answer);
            }
            closest = suffix.len();
        }
        match self.node_by_key(&key[key.len() - closest..]) {
            Some(node) => self.at_node(node, name, qtype, answer),
            None => self.no_such_name(name, key, qtype, answer),
        }
    }

    /// RFC 6672 §3.2 step 3c: `name` is below the DNAME at `node`: the DNAME goes in the
    /// answer with a CNAME synthesized from it, which is then followed; a name that would be
    /// over 255 octets gives YXDOMAIN (RFC 6672 §2.2).
    fn redirect(
        &self,
        owner: &Name,
        dname: RrSetRef<'_>,
        name: &Name,
        answer: &mut Answer,
    ) -> Step {
        // A DNAME met again while following a chain is not repeated (RFC 6672 §3.4).
        for record in self.records_of(dname, owner) {
            if !answer.answers.contains(&record) {
                answer.answers.push(record);
            }
        }
        let Some(target) = dname.targets().next() else {
            return Step::Done;
        };
        let keep = name.iter().count() - owner.iter().count();
        let synthesized = Name::from_labels(name.iter().take(keep))
            .and_then(|prefix| prefix.append_domain(&target));
        match synthesized {
            Ok(new) => {
                // RFC 6672 §3.1: the CNAME has the DNAME's TTL.
                answer.answers.push(Record::from_rdata(
                    name.clone(),
                    dname.ttl,
                    RData::CNAME(CNAME(new.clone())),
                ));
                Step::Follow(new)
            }
            Err(_) => {
                answer.rcode = ResponseCode::YXDomain;
                Step::Done
            }
        }
    }

    /// RFC 1034 §4.3.2 step 3a, at an existing node (or a matching wildcard, with `owner` the
    /// query name, RFC 4592 §3.3.1).
    fn at_node(&self, node: &Node, owner: &Name, qtype: RecordType, answer: &mut Answer) -> Step {
        // ANY matches the CNAME itself, so it is not followed (RFC 1034 §3.7.1, §4.3.2); nor
        // are the DNSSEC records that may sit beside it (RFC 4035 §2.5), which answer for
        // themselves.
        if !matches!(
            qtype,
            RecordType::CNAME | RecordType::ANY | RecordType::RRSIG | RecordType::NSEC
        ) && let Some(cname) = node.rrset(RecordType::CNAME)
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
                answer.authorities.push(self.negative_soa_for(owner));
            }
            return Step::Done;
        }
        // NSEC3 records live beside the tree, never at a name of it (RFC 5155 §7.2).
        if let Some(set) = node.rrset(qtype).filter(|_| qtype != RecordType::NSEC3) {
            answer.answers.extend(self.records_of(set, owner));
            self.additional_for(set, answer);
            return Step::Done;
        }
        if matches!(qtype, RecordType::A | RecordType::AAAA) && node.alias().is_some() {
            self.alias_pending(node, owner, vec![qtype], answer);
            return Step::Done;
        }
        // NODATA (RFC 2308 §2.2).
        answer.authorities.push(self.negative_soa_for(owner));
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
                negative_soa: self.negative_soa_for(owner),
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
            // A wildcard with NS (RFC 4592 §4.2 leaves it undefined) refers, as Knot does.
            if source.rrset(RecordType::NS).is_some() && qtype != RecordType::DS {
                self.referral(&source.name(), source, answer);
                return Step::Done;
            }
            return self.at_node(source, name, qtype, answer);
        }
        answer.rcode = ResponseCode::NXDomain;
        answer.authorities.push(self.negative_soa_for(name));
        Step::Done
    }

    /// The SOA of a negative answer (RFC 2308 §3) for a question about `name`, its owner in
    /// the case of `name`.
    fn negative_soa_for(&self, name: &Name) -> Record {
        self.negative_soa(in_case_of(name, self.apex()))
    }

    /// A referral (RFC 1034 §4.3.2 step 3b): NS of the cut (owned by `owner`) in authority,
    /// glue in additional.
    fn referral(&self, owner: &Name, cut: &Node, answer: &mut Answer) {
        if answer.answers.is_empty() {
            answer.authoritative = false;
        }
        if let Some(ns) = cut.rrset(RecordType::NS) {
            answer.authorities.extend(self.records_of(ns, owner));
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
