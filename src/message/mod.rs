//! The wire side of a query and its response, through hickory-proto: parsing with early
//! rejections, framing an [`Answer`](crate::answer::Answer) with EDNS, EDE, padding and
//! truncation, and the key under which a response may be cached.

pub mod cache_key;
pub mod query;
pub mod response;

#[cfg(test)]
mod cache_key_tests;
#[cfg(test)]
mod tests;

pub use cache_key::cache_key;
pub use query::{EdnsInfo, Query, Rejection, parse_query};
pub use response::{Framed, MAX_UDP_PAYLOAD, Transport, build_rejection, build_response};
